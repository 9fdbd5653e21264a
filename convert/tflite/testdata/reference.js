// Writes mobilefacenet.json: MobileFaceNet's outputs on the test inputs,
// computed by the original runtime, TensorFlow Lite's WebAssembly build
// from the npm package @tensorflow/tfjs-tflite@0.0.1-alpha.10 (MIT), under
// Node 20. From the repository's root:
//
//   mkdir -p /tmp/tfl && (cd /tmp/tfl && npm install @tensorflow/tfjs-tflite@0.0.1-alpha.10)
//   go test ./convert/tflite -run TestMobileFaceNetMatchesTFLite -args -write-inputs /tmp/tfl/in
//   (cd /tmp/tfl && node "$OLDPWD/convert/tflite/testdata/reference.js" MODEL.tflite in) \
//     > convert/tflite/testdata/mobilefacenet.json
//
// Each input (NAME.bin: one NHWC float32 image) fills both of the model's
// batch slots; the slots must agree.
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');

const wasm = path.dirname(require.resolve('@tensorflow/tfjs-tflite/wasm/tflite_web_api_cc.js', {paths: [process.cwd()]}));
// The plain build (no SIMD, no threads): the one that loads in Node.
const factory = require(path.join(wasm, 'tflite_web_api_cc.js'));

(async () => {
  const [modelPath, inputDir] = process.argv.slice(2);
  const model = fs.readFileSync(modelPath);
  const M = await factory({wasmBinary: fs.readFileSync(path.join(wasm, 'tflite_web_api_cc.wasm'))});
  const p = M._malloc(model.length);
  M.HEAPU8.set(model, p);
  const r = M.TFLiteWebModelRunner.CreateFromBufferAndOptions(p, model.length,
    {numThreads: 1, enableProfiling: false, maxProfilingBufferEntries: 1024});
  if (!r.ok()) throw new Error(r.errorMessage());
  const runner = r.value();
  const input = runner.GetInputs().get(0), output = runner.GetOutputs().get(0);
  const lines = [];
  for (const f of fs.readdirSync(inputDir).filter(f => f.endsWith('.bin')).sort()) {
    const b = fs.readFileSync(path.join(inputDir, f));
    const x = new Float32Array(b.buffer, b.byteOffset, b.length / 4);
    const d = input.data();
    if (d.length !== 2 * x.length) throw new Error(`${f}: ${x.length} values for an input of ${d.length}`);
    d.set(x, 0);
    d.set(x, x.length);
    if (!runner.Infer()) throw new Error(`${f}: inference failed`);
    const o = Array.from(output.data());
    const n = o.length / 2;
    if (o.slice(0, n).some((v, i) => v !== o[n + i])) throw new Error(`${f}: the batch slots differ`);
    lines.push(`  ${JSON.stringify(path.basename(f, '.bin'))}: ${JSON.stringify(o.slice(0, n))}`);
  }
  const sha = crypto.createHash('sha256').update(model).digest('hex');
  console.log(`{\n "model_sha256": "${sha}",\n "runtime": "@tensorflow/tfjs-tflite@0.0.1-alpha.10 (TFLite WebAssembly, XNNPACK), Node ${process.version}",\n "cases": {\n${lines.join(',\n')}\n }\n}`);
})();
