/**
 * Browser stand-in for Node's `events`, aliased in vite.config.ts. cornerstone3D's core imports
 * vtk.js's XML mesh reader, which pulls in xmlbuilder2, whose callback builder `extends
 * EventEmitter` at module load. OPAL never reads XML meshes; this class only has to exist (and
 * behaves as a minimal emitter should it ever be used).
 */
type Listener = (...args: unknown[]) => void;

export class EventEmitter {
  private readonly listeners = new Map<string | symbol, Listener[]>();

  on(event: string | symbol, listener: Listener): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
    return this;
  }

  off(event: string | symbol, listener: Listener): this {
    this.listeners.set(event, (this.listeners.get(event) ?? []).filter((l) => l !== listener));
    return this;
  }

  emit(event: string | symbol, ...args: unknown[]): boolean {
    const ls = this.listeners.get(event) ?? [];
    for (const l of ls) l(...args);
    return ls.length > 0;
  }
}

export default { EventEmitter };
