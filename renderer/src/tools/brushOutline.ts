import type { Plane } from '../viewport/orthoViewer.ts';

/**
 * The brush's radius on screen: `radiusMm` at `mmPerScreenPx` millimetres per CSS pixel (pixel
 * spacing ÷ zoom, as the scale bar uses). The disc the brush paints is round in millimetres in the
 * slice's plane, so one radius holds in every direction of the screen. Undefined when the zoom is
 * unknown (no volume yet) or the radius is not a length.
 */
export function brushRadiusPx(radiusMm: number, mmPerScreenPx: number): number | undefined {
  if (!(radiusMm > 0) || !Number.isFinite(radiusMm) || !(mmPerScreenPx > 0) || !Number.isFinite(mmPerScreenPx)) return undefined;
  return radiusMm / mmPerScreenPx;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

export interface BrushOutlineOptions {
  elements: Record<Plane, HTMLElement>;
  /** Millimetres per CSS pixel of a viewport at its current zoom. */
  mmPerPixel(plane: Plane): number;
  /** The brush (or eraser) radius, or undefined in navigate mode (no outline). */
  radiusMm(): number | undefined;
  /** Stroke colour of the outline (the target's colour). */
  color?(): string;
}

/**
 * A circle of the brush's real size that follows the mouse over the viewports (as Slicer's and
 * ITK-SNAP's brushes do): an SVG over each viewport (pointer-events off, so painting and the
 * viewport's tools see every event), redrawn on every move, on a size change and on zoom. Hidden
 * in navigate mode and when the mouse leaves the viewport.
 */
export class BrushOutline {
  private readonly circles = {} as Record<Plane, SVGCircleElement>;
  private readonly halos = {} as Record<Plane, SVGCircleElement>;
  private last: { plane: Plane; x: number; y: number } | undefined;

  constructor(private readonly options: BrushOutlineOptions) {
    for (const plane of Object.keys(options.elements) as Plane[]) {
      const el = options.elements[plane];
      const svg = document.createElementNS(SVG_NS, 'svg');
      svg.setAttribute('class', 'brush-outline');
      svg.dataset.plane = plane;
      // A dark halo under the coloured ring keeps it visible over bright tissue and bone.
      const halo = document.createElementNS(SVG_NS, 'circle');
      halo.setAttribute('fill', 'none');
      halo.setAttribute('stroke', 'rgba(0, 0, 0, 0.55)');
      halo.setAttribute('stroke-width', '3');
      halo.setAttribute('class', 'halo');
      const circle = document.createElementNS(SVG_NS, 'circle');
      circle.setAttribute('fill', 'none');
      circle.setAttribute('stroke-width', '1.5');
      circle.id = `brush-outline-${plane}`;
      svg.append(halo, circle);
      this.halos[plane] = halo;
      svg.style.display = 'none';
      (el.parentElement ?? el).append(svg);
      this.circles[plane] = circle;
      el.addEventListener('mousemove', (e) => this.moveTo(plane, e), { passive: true });
      el.addEventListener('mouseleave', () => this.hide());
      el.addEventListener('wheel', () => requestAnimationFrame(() => this.refresh()), { passive: true });
    }
  }

  private moveTo(plane: Plane, e: MouseEvent): void {
    const rect = this.options.elements[plane].getBoundingClientRect();
    this.last = { plane, x: e.clientX - rect.left, y: e.clientY - rect.top };
    this.refresh();
  }

  private hide(): void {
    this.last = undefined;
    this.refresh();
  }

  /** Redraws at the last mouse position (after a size, tool or zoom change). */
  refresh(): void {
    const radiusMm = this.options.radiusMm();
    for (const plane of Object.keys(this.circles) as Plane[]) {
      const circle = this.circles[plane];
      const svg = circle.ownerSVGElement as SVGSVGElement;
      const here = this.last?.plane === plane ? this.last : undefined;
      const r = here && radiusMm !== undefined ? brushRadiusPx(radiusMm, this.options.mmPerPixel(plane)) : undefined;
      if (!here || r === undefined) {
        svg.style.display = 'none';
        continue;
      }
      svg.style.display = '';
      for (const c of [circle, this.halos[plane]]) {
        c.setAttribute('cx', here.x.toFixed(1));
        c.setAttribute('cy', here.y.toFixed(1));
        c.setAttribute('r', r.toFixed(2));
      }
      circle.setAttribute('stroke', this.options.color?.() ?? '#ffe08a');
    }
  }
}
