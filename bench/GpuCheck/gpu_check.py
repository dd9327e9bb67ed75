"""PyTorch's side of build/gpu-check: ResNet-18 training steps timed as bench/GpuCheck/Program.cs times them.

    python3 gpu_check.py --device cuda --batch 64 --size 224 --steps 30 --repeats 5
Prints: "pytorch <device> batch <B> size <S>: min <ms> ms, median <ms> ms per step".
"""
import argparse
import time

import torch
import torchvision

parser = argparse.ArgumentParser()
parser.add_argument("--device", default="cuda")
parser.add_argument("--batch", type=int, default=64)
parser.add_argument("--size", type=int, default=224)
parser.add_argument("--steps", type=int, default=30)
parser.add_argument("--repeats", type=int, default=5)
args = parser.parse_args()

torch.manual_seed(0)
device = torch.device(args.device)
model = torchvision.models.resnet18(num_classes=1000).to(device).train()
optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
loss = torch.nn.CrossEntropyLoss()
inputs = torch.randn(args.batch, 3, args.size, args.size, device=device)
labels = torch.randint(0, 1000, (args.batch,), device=device)


def step():
    optimizer.zero_grad()
    loss(model(inputs), labels).backward()
    optimizer.step()


def synchronize():
    if device.type == "cuda":
        torch.cuda.synchronize()


for _ in range(10):
    step()
synchronize()
per_step = []
for _ in range(args.repeats):
    started = time.perf_counter()
    for _ in range(args.steps):
        step()
    synchronize()
    per_step.append((time.perf_counter() - started) * 1000 / args.steps)
per_step.sort()
print(f"pytorch {args.device} batch {args.batch} size {args.size}: min {per_step[0]:.2f} ms, median {per_step[len(per_step) // 2]:.2f} ms per step")
