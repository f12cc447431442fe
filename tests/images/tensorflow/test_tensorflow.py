"""The TensorFlow image: a CUDA build of TensorFlow with Keras 3 that also
computes on the CPU."""

import json


def test_tensorflow_is_a_cuda_build_with_keras_3(container):
    info = json.loads(
        container.python(
            "import json, keras, tensorflow as tf\n"
            "build = tf.sysconfig.get_build_info()\n"
            "x = tf.reshape(tf.range(6.0), (2, 3))\n"
            "print(json.dumps({'cuda': build.get('cuda_version'), 'keras': keras.__version__,\n"
            "                  'gpus': len(tf.config.list_physical_devices('GPU')),\n"
            "                  'sum': float(tf.reduce_sum(x @ tf.transpose(x)))}))"
        )
    )
    assert info["cuda"], f"not a CUDA build: {info}"
    assert info["keras"].startswith("3."), info
    assert info["sum"] == 83.0
    print(f"TensorFlow CUDA {info['cuda']}, Keras {info['keras']}, GPUs seen: {info['gpus']}")
