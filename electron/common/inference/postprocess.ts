/**
 * In-place softmax over the class axis of one image's logits laid out [C, H*W] (the NCHW layout of
 * a network output with the batch index fixed), numerically stable (max subtracted).
 */
export function softmaxChannels(logits: Float32Array, classes: number, pixels: number, offset = 0): void {
  for (let p = 0; p < pixels; p++) {
    let max = -Infinity;
    for (let c = 0; c < classes; c++) {
      const v = logits[offset + c * pixels + p];
      if (v > max) max = v;
    }
    let sum = 0;
    for (let c = 0; c < classes; c++) {
      const i = offset + c * pixels + p;
      const e = Math.exp(logits[i] - max);
      logits[i] = e;
      sum += e;
    }
    const inv = 1 / sum;
    for (let c = 0; c < classes; c++) logits[offset + c * pixels + p] *= inv;
  }
}

/**
 * Label and confidence per pixel from class probabilities [C, pixels]: the most probable class
 * (first one on ties) and its probability scaled to 0-255. Pixels where `allowed` is 0 get label 0
 * and confidence 0 (argmax restricted to the lung mask).
 */
export function argmaxWithConfidence(
  probs: Float32Array,
  classes: number,
  pixels: number,
  labels: Uint8Array,
  confidence: Uint8Array,
  allowed?: Uint8Array,
  outOffset = 0,
): void {
  for (let p = 0; p < pixels; p++) {
    if (allowed && allowed[outOffset + p] === 0) {
      labels[outOffset + p] = 0;
      confidence[outOffset + p] = 0;
      continue;
    }
    let best = 0;
    let bestP = probs[p];
    for (let c = 1; c < classes; c++) {
      const v = probs[c * pixels + p];
      if (v > bestP) {
        bestP = v;
        best = c;
      }
    }
    labels[outOffset + p] = best;
    const conf = Math.round(bestP * 255);
    confidence[outOffset + p] = conf < 0 ? 0 : conf > 255 ? 255 : conf;
  }
}
