"""Built-in networks, defined in code (no download): LeNet-5, AlexNet, VGG-16, ResNet-18/50 and
MobileNetV2, with their pooling, ReLU, residual adds and flattens as operations.

Shapes follow the usual references: LeNet-5 as in ``reference/onnx/lenet5.onnx`` (no biases,
max pooling); AlexNet as Krizhevsky et al. (227x227 input, 96 first filters, conv2/4/5 in two
groups, local response normalisation left out: it has no MAC); VGG-16, ResNet-18/50 (v1.5, stride
in the 3x3 convolution) and MobileNetV2 as torchvision at 224x224, batch normalisation folded
into the convolutions and ReLU6 modelled as ReLU (both MAC-free).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ripple.errors import RippleInputError
from ripple.workload.layer import Layer
from ripple.workload.network import Workload, output_shape
from ripple.workload.operation import Operation


class _Net:
    """A network under construction; each call appends a node fed by ``src`` (default: the
    previous node) and returns the new node's name."""

    def __init__(self, name: str, input_shape: tuple[int, ...]):
        self.name = name
        self.nodes: list[Layer | Operation] = []
        self.shapes: dict[str, tuple[int, ...]] = {}
        self.input_shape = input_shape

    def _feed(self, src: str | None) -> tuple[tuple[str, ...], tuple[int, ...]]:
        if src is None and self.nodes:
            src = self.nodes[-1].name
        return ((src,), self.shapes[src]) if src else ((), self.input_shape)

    def _add(self, node: Layer | Operation) -> str:
        self.nodes.append(node)
        self.shapes[node.name] = output_shape(node)
        return node.name

    def conv(self, name: str, k: int, kernel: int, stride: int = 1, pad: int = 0,
             groups: int = 1, src: str | None = None) -> str:
        inputs, (n, c, h, w) = self._feed(src)
        return self._add(Layer(name=name, N=n, K=k, C=c, G=groups, IY=h, IX=w, FY=kernel,
                               FX=kernel, stride=stride, padding=pad, inputs=inputs))

    def fc(self, name: str, k: int, src: str | None = None) -> str:
        inputs, (n, c) = self._feed(src)
        return self._add(Layer(name=name, operator="fc", N=n, K=k, C=c, inputs=inputs))

    def op(self, operator: str, name: str, srcs: list[str] | None = None, **attrs: Any) -> str:
        if srcs is None:
            inputs, shape = self._feed(None)
            shapes = [shape]
        else:
            inputs, shapes = tuple(srcs), [self.shapes[s] for s in srcs]
        return self._add(Operation(name=name, operator=operator, inputs=inputs,
                                   input_shapes=shapes, **attrs))

    def pool(self, kind: str, name: str, kernel: int, stride: int, pad: int = 0) -> str:
        return self.op(kind, name, kernel=kernel, stride=stride, padding=pad)

    def conv_relu(self, name: str, k: int, kernel: int, stride: int = 1, pad: int = 0,
                  groups: int = 1, src: str | None = None) -> str:
        self.conv(name, k, kernel, stride, pad, groups, src)
        return self.op("relu", f"{name}.relu")

    def classifier(self, sizes: list[int], prefix: str = "fc") -> None:
        """Flatten, then fully connected layers with a ReLU between them."""
        self.op("flatten", "flatten")
        for i, size in enumerate(sizes):
            self.fc(f"{prefix}{i + 1}" if len(sizes) > 1 else prefix, size)
            if i + 1 < len(sizes):
                self.op("relu", f"{prefix}{i + 1}.relu")

    def workload(self) -> Workload:
        return Workload(name=self.name, layers=self.nodes)


def lenet5(batch: int = 1) -> Workload:
    net = _Net("lenet5", (batch, 1, 32, 32))
    net.conv_relu("conv1", 6, 5)
    net.pool("maxpool", "pool1", 2, 2)
    net.conv_relu("conv2", 16, 5)
    net.pool("maxpool", "pool2", 2, 2)
    net.classifier([120, 84, 10])
    return net.workload()


def alexnet(batch: int = 1) -> Workload:
    net = _Net("alexnet", (batch, 3, 227, 227))
    net.conv_relu("conv1", 96, 11, stride=4)
    net.pool("maxpool", "pool1", 3, 2)
    net.conv_relu("conv2", 256, 5, pad=2, groups=2)
    net.pool("maxpool", "pool2", 3, 2)
    net.conv_relu("conv3", 384, 3, pad=1)
    net.conv_relu("conv4", 384, 3, pad=1, groups=2)
    net.conv_relu("conv5", 256, 3, pad=1, groups=2)
    net.pool("maxpool", "pool5", 3, 2)
    net.classifier([4096, 4096, 1000])
    return net.workload()


def vgg16(batch: int = 1) -> Workload:
    net = _Net("vgg16", (batch, 3, 224, 224))
    for block, (channels, convs) in enumerate(((64, 2), (128, 2), (256, 3), (512, 3), (512, 3))):
        for i in range(convs):
            net.conv_relu(f"conv{block + 1}_{i + 1}", channels, 3, pad=1)
        net.pool("maxpool", f"pool{block + 1}", 2, 2)
    net.classifier([4096, 4096, 1000])
    return net.workload()


def _resnet_stem(net: _Net) -> None:
    net.conv_relu("conv1", 64, 7, stride=2, pad=3)
    net.pool("maxpool", "maxpool", 3, 2, pad=1)


def _residual(net: _Net, name: str, block_in: str, body_out: str, shortcut: str | None) -> None:
    """Add the shortcut (identity or a 1x1 projection of the block input) to the body."""
    net.op("add", f"{name}.add", [body_out, shortcut or block_in])
    net.op("relu", f"{name}.relu")


def _basic_block(net: _Net, name: str, channels: int, stride: int) -> None:
    block_in = net.nodes[-1].name
    in_channels = net.shapes[block_in][1]
    net.conv_relu(f"{name}.conv1", channels, 3, stride, 1)
    body = net.conv(f"{name}.conv2", channels, 3, 1, 1)
    shortcut = None
    if stride != 1 or in_channels != channels:
        shortcut = net.conv(f"{name}.downsample", channels, 1, stride, src=block_in)
    _residual(net, name, block_in, body, shortcut)


def _bottleneck(net: _Net, name: str, width: int, stride: int) -> None:
    block_in = net.nodes[-1].name
    in_channels = net.shapes[block_in][1]
    net.conv_relu(f"{name}.conv1", width, 1)
    net.conv_relu(f"{name}.conv2", width, 3, stride, 1)
    body = net.conv(f"{name}.conv3", width * 4, 1)
    shortcut = None
    if stride != 1 or in_channels != width * 4:
        shortcut = net.conv(f"{name}.downsample", width * 4, 1, stride, src=block_in)
    _residual(net, name, block_in, body, shortcut)


def _resnet(name: str, batch: int, block: Callable[[_Net, str, int, int], None],
            depths: tuple[int, ...]) -> Workload:
    net = _Net(name, (batch, 3, 224, 224))
    _resnet_stem(net)
    for stage, (width, depth) in enumerate(zip((64, 128, 256, 512), depths, strict=True)):
        for i in range(depth):
            block(net, f"layer{stage + 1}.{i}", width, 2 if i == 0 and stage > 0 else 1)
    net.op("globalavgpool", "avgpool")
    net.classifier([1000])
    return net.workload()


def resnet18(batch: int = 1) -> Workload:
    return _resnet("resnet18", batch, _basic_block, (2, 2, 2, 2))


def resnet50(batch: int = 1) -> Workload:
    return _resnet("resnet50", batch, _bottleneck, (3, 4, 6, 3))


def mobilenetv2(batch: int = 1) -> Workload:
    net = _Net("mobilenetv2", (batch, 3, 224, 224))
    net.conv_relu("features.0", 32, 3, stride=2, pad=1)
    settings = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
                (6, 160, 3, 2), (6, 320, 1, 1))
    index = 1
    for expand, channels, repeats, first_stride in settings:
        for i in range(repeats):
            name, stride = f"features.{index}", first_stride if i == 0 else 1
            block_in = net.nodes[-1].name
            in_channels = net.shapes[block_in][1]
            hidden = in_channels * expand
            if expand != 1:
                net.conv_relu(f"{name}.expand", hidden, 1)
            net.conv_relu(f"{name}.depthwise", hidden, 3, stride, 1, groups=hidden)
            out = net.conv(f"{name}.project", channels, 1)
            if stride == 1 and in_channels == channels:
                net.op("add", f"{name}.add", [out, block_in])
            index += 1
    net.conv_relu(f"features.{index}", 1280, 1)
    net.op("globalavgpool", "avgpool")
    net.classifier([1000], prefix="classifier")
    return net.workload()


ZOO: dict[str, Callable[..., Workload]] = {
    "lenet5": lenet5, "alexnet": alexnet, "vgg16": vgg16, "resnet18": resnet18,
    "resnet50": resnet50, "mobilenetv2": mobilenetv2,
}


def zoo_workload(name: str, batch: int = 1) -> Workload:
    """A zoo network by name (``ripple zoo list`` shows them)."""
    if name not in ZOO:
        raise RippleInputError(f"unknown zoo network {name!r}; the zoo has {', '.join(ZOO)}",
                               source="zoo")
    return ZOO[name](batch)
