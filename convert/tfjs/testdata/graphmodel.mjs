// Runs a TF.js graph model (model.json with modelTopology.node and a
// weightsManifest) on face-api's bundled TF.js CPU backend, so that
// convert/tfjs's graph-model test can compare the converted ONNX model
// with the original on identical input.
//
//   node graphmodel.mjs <face-api package dir> <model.json> <in.f32> <out.f32> <output>...
//
// in.f32 holds N inputs of the model's single input, little-endian
// float32, row-major as TF.js takes them (NHWC for images); N follows from
// the input's shape in the model. out.f32 receives each named output in
// turn (all N values of the first output, then of the second, ...).
//
// The weights are decoded by TF.js itself, so dequantisation is TF.js's,
// not the converter's.

import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [pkg, modelPath, inPath, outPath, ...outputs] = process.argv.slice(2);
if (outputs.length === 0) throw new Error('no outputs named');

// As in faceapi.mjs: the browser bundle takes the browser platform when it
// looks like a web worker, and the CPU backend needs no DOM.
globalThis.WorkerGlobalScope ??= class {};
const { tf } = await import(pathToFileURL(join(pkg, 'dist', 'face-api.esm.js')).href);
if (!(await tf.setBackend('cpu'))) throw new Error('TF.js CPU backend unavailable');
await tf.ready();

// An error thrown inside TF.js would make Node print the bundle's
// minified line, thousands of characters: print the message alone.
process.setUncaughtExceptionCaptureCallback((e) => {
  console.error(`TF.js: ${e?.stack ?? e}`.slice(0, 2000));
  process.exit(1);
});

const json = JSON.parse(await readFile(modelPath, 'utf8'));
const specs = [];
const shards = [];
for (const group of json.weightsManifest) {
  specs.push(...group.weights);
  for (const p of group.paths) shards.push(await readFile(join(dirname(modelPath), p)));
}
const data = Buffer.concat(shards);
const model = await tf.loadGraphModel(tf.io.fromMemory({
  modelTopology: json.modelTopology,
  format: json.format,
  signature: json.signature,
  weightSpecs: specs,
  weightData: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength),
}));

if (model.inputs.length !== 1) throw new Error(`${modelPath}: ${model.inputs.length} inputs, want 1`);
const shape = model.inputs[0].shape;
const per = shape.slice(1).reduce((a, b) => a * b, 1);
const raw = await readFile(inPath);
const values = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
if (values.length === 0 || values.length % per !== 0) throw new Error(`${inPath}: not a whole number of inputs of shape ${shape}`);

const input = tf.tensor(values, [values.length / per, ...shape.slice(1)], 'float32');
const results = [model.execute(input, outputs)].flat();
const out = [];
for (const r of results) out.push(...(await r.data()));
await writeFile(outPath, Buffer.from(new Float32Array(out).buffer));
