import * as tf from "@tensorflow/tfjs-core";
import "tfjs-backend-onednn";
await tf.setBackend("onednn");
const x = tf.randomUniform([1 << 20], -1, 1);
for (let i = 0; i < 300; i++) tf.leakyRelu(x, 0.2).dispose();
