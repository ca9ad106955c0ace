import { z } from 'zod';

/**
 * models/manifests/<name>.json (DESIGN.md §4): everything the engine needs to run a shipped network
 * exactly as it was trained, and everything a reader needs to judge it. Written by
 * models/segnets/export_onnx.py (stub) and completed by the trainer.
 *
 * Intensity mapping from HU to the network input, per pixel:
 *   w = clamp((hu - (windowCenterHu - windowWidthHu / 2)) / windowWidthHu, 0, 1)
 *   x = (w - mean) / std
 * The window is the one that reproduces the training images (8-bit windowed slices: w = pixel / 255).
 */
export const ModelManifestSchema = z.object({
  schemaVersion: z.literal(1),
  name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/),
  version: z.string().min(1),
  architecture: z.string().min(1),
  /** ONNX file, relative to the manifest's folder's parent (models/). */
  file: z.string().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  input: z.object({
    name: z.string().min(1),
    channels: z.literal(1),
    height: z.number().int().positive(),
    width: z.number().int().positive(),
    /** True when the graph accepts other H, W (multiples of `sizeMultiple`). */
    dynamicSpatial: z.boolean(),
    sizeMultiple: z.number().int().positive(),
    intensity: z.object({
      windowCenterHu: z.number(),
      windowWidthHu: z.number().positive(),
      mean: z.number(),
      std: z.number().positive(),
    }),
    /** How slices are framed before resizing: the lung bounding box (with margin) or the whole slice. */
    crop: z.enum(['lung-bbox', 'full-slice']),
    cropMarginMm: z.number().nonnegative(),
  }),
  output: z.object({
    name: z.string().min(1),
    /** Raw scores per class; the engine applies softmax. */
    kind: z.literal('logits'),
  }),
  /** Index = label value (0 background, 1 ground-glass opacity, 2 consolidation). */
  classes: z.array(z.string()).min(2),
  training: z.record(z.string(), z.unknown()).optional(),
  license: z.string().min(1),
  metrics: z.record(z.string(), z.unknown()).optional(),
  reproduce: z.string().optional(),
  /** Research-only weights (derived from non-commercial data). */
  intendedUse: z.string().optional(),
});

export type ModelManifest = z.infer<typeof ModelManifestSchema>;
