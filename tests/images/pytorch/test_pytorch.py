"""The PyTorch image: a CUDA build of torch (CUDA 13, driver 580 or newer) that
also computes on the CPU, with torchvision built for the same torch."""

import json


def test_torch_is_a_cuda_build_that_runs_on_the_cpu(container):
    info = json.loads(
        container.python(
            "import json, torch\n"
            "x = torch.arange(6.0).reshape(2, 3)\n"
            "print(json.dumps({'cuda': torch.version.cuda, 'gpus': torch.cuda.device_count(),\n"
            "                  'sum': (x @ x.T).sum().item()}))"
        )
    )
    assert info["cuda"] and info["cuda"].startswith("13."), f"not a CUDA 13 build: {info}"
    assert info["sum"] == 83.0
    print(f"torch CUDA {info['cuda']}, GPUs seen: {info['gpus']}")


def test_torchvision_matches_torch(container):
    out = container.python(
        "import torch, torchvision\n"
        "from torchvision.ops import nms\n"
        "boxes = torch.tensor([[0., 0., 10., 10.], [1., 1., 10., 10.], [20., 20., 30., 30.]])\n"
        "print(nms(boxes, torch.tensor([0.9, 0.8, 0.7]), 0.5).tolist())"
    )
    assert out == "[0, 2]"
