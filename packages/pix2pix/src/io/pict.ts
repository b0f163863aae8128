/**
 * The `.pict` format of affinelayer/pix2pix-tensorflow's browser demo (server/tools/export-checkpoint.py),
 * which ml5.js's pix2pix loaded: three chunks, each a big-endian uint32 byte count and the bytes —
 *   1. JSON, `[{"name": "generator/encoder_1/conv2d/kernel", "shape": [4, 4, 3, 64]}, …]`;
 *   2. the codebook, 256 little-endian float32;
 *   3. one codebook index (a byte) per value, the variables one after another in chunk 1's order, each
 *      row-major in its TensorFlow shape.
 * Decoding gives each variable's dequantized values (codebook[byte]) in TensorFlow's layout and names;
 * models/unet-tf.ts maps them to a network. Browser-safe (bytes in, arrays out).
 */
import { UserError } from "../errors.ts";
import type { HostArray } from "../nn/layout.ts";

const CODEBOOK_SIZE = 256;

interface Variable {
  readonly name: string;
  readonly shape: readonly number[];
}

function isVariableList(value: unknown): value is Variable[] {
  return (
    Array.isArray(value) &&
    value.every(
      (v: { name?: unknown; shape?: unknown }) =>
        typeof v?.name === "string" &&
        Array.isArray(v.shape) &&
        v.shape.every((d: unknown) => Number.isInteger(d) && (d as number) >= 0),
    )
  );
}

/** The file's chunks: a length (big-endian uint32) before each. */
function chunks(bytes: Uint8Array, fail: (why: string) => UserError): Uint8Array[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const found: Uint8Array[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    if (offset + 4 > bytes.length) throw fail(`${bytes.length - offset} stray bytes at the end`);
    const length = view.getUint32(offset, false);
    if (offset + 4 + length > bytes.length) {
      throw fail(`chunk ${found.length + 1} says ${length} bytes, ${bytes.length - offset - 4} are left`);
    }
    found.push(bytes.subarray(offset + 4, offset + 4 + length));
    offset += 4 + length;
  }
  if (found.length !== 3) throw fail(`${found.length} chunks, expected 3 (variables, codebook, values)`);
  return found;
}

/** The variables of a .pict file by name, dequantized, in file order. `source` names it in errors. */
export function decodePict(bytes: Uint8Array, source: string): Map<string, HostArray> {
  const fail = (why: string) =>
    new UserError(
      `${source} is not a .pict model file: ${why}`,
      "give a .pict exported by pix2pix-tensorflow (server/tools/export-checkpoint.py), as ml5.js used",
    );
  const [list, codebookBytes, codes] = chunks(bytes, fail) as [Uint8Array, Uint8Array, Uint8Array];
  let variables: unknown;
  try {
    variables = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(list));
  } catch {
    throw fail("its first chunk is not a JSON variable list");
  }
  if (!isVariableList(variables)) throw fail("its first chunk is not a list of {name, shape}");
  if (codebookBytes.length !== CODEBOOK_SIZE * 4) {
    throw fail(`its codebook has ${codebookBytes.length} bytes, expected ${CODEBOOK_SIZE * 4}`);
  }
  const codebookView = new DataView(codebookBytes.buffer, codebookBytes.byteOffset, codebookBytes.length);
  const codebook = Float32Array.from({ length: CODEBOOK_SIZE }, (_, i) =>
    codebookView.getFloat32(i * 4, true),
  );
  const total = variables.reduce((sum, v) => sum + v.shape.reduce((a, b) => a * b, 1), 0);
  if (total !== codes.length) {
    throw fail(`its variables hold ${total} values, its last chunk ${codes.length}`);
  }
  const result = new Map<string, HostArray>();
  let offset = 0;
  for (const { name, shape } of variables) {
    if (result.has(name)) throw fail(`variable ${name} appears twice`);
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) data[i] = codebook[codes[offset + i] as number] as number;
    offset += data.length;
    result.set(name, { shape, data });
  }
  return result;
}
