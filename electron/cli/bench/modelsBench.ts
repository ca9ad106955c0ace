import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import type { BenchContext, BenchResult, BenchRow, BenchSection } from './BenchSection.ts';

/**
 * Seed networks (issue 4): ms per 256x256 slice in onnxruntime-node (CPU, intraOpNumThreads 2,
 * graph optimisation "all") vs PyTorch eager (torch.set_num_threads(2)) on the same machine, at
 * batch 1 and 4; the ratio torch/ORT at batch 4 (target >= 1.5); conv GMACs, params, and the peak
 * RSS of a process that holds one ORT session (each network is timed in its own child process).
 */
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const PYTHON = '/usr/bin/python3';

const TorchReport = z.object({
  torch: z.string(),
  rows: z.array(z.object({ network: z.string(), params: z.number(), gmac: z.number(), torchMsBatch1: z.number(), torchMsBatch4: z.number(), onnx: z.string() })),
});
const OrtReport = z.object({ msBatch1: z.number(), msBatch4: z.number(), peakRssMb: z.number(), baseRssMb: z.number() });

// Runs in a fresh `node` so that its peak RSS is this session's alone.
const ORT_CHILD = `
import * as ort from 'onnxruntime-node';
const [file, size, reps] = [process.argv[1], Number(process.argv[2]), Number(process.argv[3])];
const baseRssMb = process.resourceUsage().maxRSS / 1024;
const s = await ort.InferenceSession.create(file, { intraOpNumThreads: 2, interOpNumThreads: 1, graphOptimizationLevel: 'all', executionProviders: ['cpu'] });
async function ms(batch) {
  const x = new ort.Tensor('float32', Float32Array.from({ length: batch * size * size }, () => Math.random()), [batch, 1, size, size]);
  await s.run({ [s.inputNames[0]]: x });
  let best = Infinity;
  for (let i = 0; i < reps; i++) { const t = performance.now(); await s.run({ [s.inputNames[0]]: x }); best = Math.min(best, performance.now() - t); }
  return best / batch;
}
const msBatch1 = await ms(1);
const msBatch4 = await ms(4);
console.log(JSON.stringify({ msBatch1, msBatch4, baseRssMb, peakRssMb: process.resourceUsage().maxRSS / 1024 }));
`;

function lastJsonLine(stdout: string): unknown {
  const line = stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop();
  if (!line) throw new Error(`no JSON in output: ${stdout.slice(-500)}`);
  return JSON.parse(line);
}

export const modelsBench: BenchSection = {
  name: 'models',
  description: 'Seed networks: onnxruntime-node vs PyTorch eager, ms per 256x256 slice (CPU, 2 threads)',
  async run(ctx: BenchContext): Promise<BenchResult> {
    // The three CMUNeXt widths of its paper (S is the shipped default's architecture), then the others.
    const nets = ctx.quick ? ['cmunext'] : ['cmunext-s', 'cmunext', 'cmunext-l', 'm2snet', 'ba-net', 'convunext'];
    const reps = ctx.quick ? 2 : 5;
    ctx.log(`models: exporting and timing ${nets.join(', ')} in PyTorch eager`);
    const py = spawnSync(PYTHON, ['-m', 'segnets.bench_torch', '--out-dir', ctx.workDir, '--nets', nets.join(','), '--reps', String(reps)], {
      cwd: resolve(repoRoot, 'models'),
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    });
    if (py.status !== 0) {
      return { title: 'Seed networks (skipped)', rows: [], notes: [`PyTorch side failed or is absent (python3-torch needed): ${(py.stderr ?? '').slice(-400)}`] };
    }
    const torchReport = TorchReport.parse(lastJsonLine(py.stdout));
    const rows: BenchRow[] = [];
    for (const r of torchReport.rows) {
      ctx.log(`models: timing ${r.network} in onnxruntime-node`);
      const child = spawnSync(process.execPath, ['--input-type=module', '-e', ORT_CHILD, r.onnx, '256', String(reps)], { cwd: repoRoot, encoding: 'utf8' });
      if (child.status !== 0) throw new Error(`onnxruntime-node failed on ${r.network}: ${child.stderr.slice(-400)}`);
      const ort = OrtReport.parse(lastJsonLine(child.stdout));
      rows.push({
        network: r.network,
        'params M': r.params / 1e6,
        GMAC: r.gmac,
        'ORT ms b1': ort.msBatch1,
        'ORT ms b4': ort.msBatch4,
        'torch ms b1': r.torchMsBatch1,
        'torch ms b4': r.torchMsBatch4,
        'torch/ORT b4': r.torchMsBatch4 / ort.msBatch4,
        // Achieved conv throughput: how close ORT runs to what two cores can do at all.
        'ORT GMAC/s b4': r.gmac / (ort.msBatch4 / 1000),
        'ORT peak RSS MB': ort.peakRssMb,
      });
    }
    return {
      title: 'Seed networks: ms per 256x256 slice, onnxruntime-node vs PyTorch eager (CPU, 2 threads)',
      rows,
      notes: [
        `PyTorch ${torchReport.torch}, random weights (speed does not depend on training). Best of ${reps} runs after a warm-up.`,
        'GMAC = conv multiply-accumulates per slice (papers call it GFLOPs); M2SNet fixed filters run as sum + box pool, not counted.',
        'Targets: torch/ORT >= 1.5 at batch 4 for every network; CMUNeXt ORT <= 60 ms per slice.',
        throughputBound(rows),
        'ORT peak RSS: maxRSS of a child process holding one session (node + ORT runtime + weights + activations).',
      ],
    };
  },
};

/**
 * What the fastest conv throughput measured in this run implies for CMUNeXt: a network cannot take
 * fewer ms than its GMAC at that rate. Two AVX2 cores do 2 x 16 fp32 MAC per cycle (2 FMA units x 8
 * lanes each), so the rate also tells the effective clock. Data-driven: a VM's nominal MHz is not its
 * turbo clock.
 */
function throughputBound(rows: BenchRow[]): string {
  const best = rows.reduce((b, r) => ((r['ORT GMAC/s b4'] as number) > (b?.['ORT GMAC/s b4'] as number ?? 0) ? r : b), rows[0]);
  if (!best) return 'Bound: no rows.';
  const rate = best['ORT GMAC/s b4'] as number;
  const cmunext = rows.find((r) => r.network === 'cmunext');
  const floor = cmunext ? ` CMUNeXt (${(cmunext.GMAC as number).toFixed(2)} GMAC) at that rate would take ${(((cmunext.GMAC as number) / rate) * 1000).toFixed(0)} ms per slice at the least.` : '';
  return `Bound: best throughput in this run ${rate.toFixed(1)} GMAC/s (${best.network}, batch 4); two AVX2 cores do 32 fp32 MAC per cycle, so they ran at ${(rate / 32).toFixed(2)} GHz or more.${floor}`;
}
