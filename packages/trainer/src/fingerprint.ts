/**
 * Architecture fingerprints: what identifies a model for checkpoints and run records. Browser-safe
 * (Web Crypto, which Node 20 has too), since every training run records one.
 */
import type * as tf from '@tensorflow/tfjs';

/** Lower-case hex SHA-256 of `text` (UTF-8). */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** One layer of an architecture fingerprint. */
export interface LayerFingerprint {
  readonly name: string;
  readonly className: string;
  readonly weights: readonly { readonly shape: readonly (number | null)[]; readonly dtype: string }[];
}

/** What identifies a model's architecture for checkpoints: layer names, classes and weight shapes. */
export interface ArchitectureFingerprint {
  /** First 16 hex digits of the SHA-256 of the rest. */
  readonly hash: string;
  readonly inputShape: readonly (number | null)[];
  readonly outputShape: readonly (number | null)[];
  readonly layers: readonly LayerFingerprint[];
}

/** The fingerprint of `model`. */
export async function architectureFingerprint(model: tf.LayersModel): Promise<ArchitectureFingerprint> {
  const body = {
    inputShape: model.inputs.map((i) => i.shape)[0] ?? [],
    outputShape: model.outputs.map((o) => o.shape)[0] ?? [],
    layers: model.layers.map((l) => ({
      name: l.name,
      className: l.getClassName(),
      weights: l.weights.map((w) => ({ shape: [...w.shape], dtype: String(w.dtype) })),
    })),
  };
  const hash = (await sha256Hex(JSON.stringify(body))).slice(0, 16);
  return { hash, ...body };
}

export const shapeText = (s: readonly (number | null)[]): string => `[${s.map(String).join(', ')}]`;

/** Why two fingerprints differ, in words, or null when they are the same. */
export function fingerprintDifference(saved: ArchitectureFingerprint, actual: ArchitectureFingerprint): string | null {
  if (saved.hash === actual.hash) return null;
  if (shapeText(saved.inputShape) !== shapeText(actual.inputShape)) {
    return `input shape ${shapeText(saved.inputShape)} in the checkpoint, ${shapeText(actual.inputShape)} in the model`;
  }
  if (shapeText(saved.outputShape) !== shapeText(actual.outputShape)) {
    return `output shape ${shapeText(saved.outputShape)} in the checkpoint, ${shapeText(actual.outputShape)} in the model`;
  }
  const n = Math.max(saved.layers.length, actual.layers.length);
  for (let i = 0; i < n; i++) {
    const a = saved.layers[i];
    const b = actual.layers[i];
    const text = (l: LayerFingerprint | undefined): string =>
      l === undefined
        ? 'nothing'
        : `${l.className} '${l.name}' with weights ${l.weights.map((w) => shapeText(w.shape)).join(' ') || '(none)'}`;
    if (JSON.stringify(a) !== JSON.stringify(b)) {
      const onlyName =
        a !== undefined && b !== undefined && JSON.stringify({ ...a, name: '' }) === JSON.stringify({ ...b, name: '' });
      return (
        `layer ${i} is ${text(a)} in the checkpoint but ${text(b)} in the model` +
        (onlyName
          ? ' (only the name differs: TF.js makes up names such as dense_Dense3 from a per-process counter, ' +
            'so give layers explicit names)'
          : '')
      );
    }
  }
  return 'the fingerprints differ';
}
