"""Why benchmarks/visual_smoke.py embeds patches instead of convolving: one epoch of minibatch
gradient steps over 8,000 48x48 images, for the Atari torso (strided convolutions, Mnih et al.
2015, halved), the same with non-overlapping first-layer kernels, and a patch embedding (each
8x8 patch through one shared dense layer), each compiled once and timed on its second epoch.

    python benchmarks/pixel_torso_speed.py --out benchmarks/results/pixels/torso_speed_cpu.json
"""

from __future__ import annotations

import argparse
import sys
import time

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np

from manyworld.bench import machine
from manyworld.evaluation.results import write_json_atomic


class ConvTorso(nn.Module):
    """Two strided convolutions and a dense layer: ``layers`` is ((features, kernel, stride), ...)."""

    layers: tuple[tuple[int, int, int], ...]

    @nn.compact
    def __call__(self, x):
        x = x.astype(jnp.float32) / 255.0
        for features, kernel, stride in self.layers:
            x = nn.relu(nn.Conv(features, (kernel, kernel), strides=stride, padding="VALID")(x))
        return nn.Dense(4)(nn.relu(nn.Dense(256)(x.reshape(x.shape[0], -1))))


class PatchTorso(nn.Module):
    @nn.compact
    def __call__(self, x):
        n = x.shape[0]
        x = x.astype(jnp.float32) / 255.0
        x = x.reshape(n, 6, 8, 6, 8, 3).transpose(0, 1, 3, 2, 4, 5).reshape(n, 36, 192)
        x = nn.relu(nn.Dense(32)(x))
        return nn.Dense(4)(nn.relu(nn.Dense(256)(x.reshape(n, -1))))


def epoch_seconds(net: nn.Module, images: jax.Array, minibatches: int) -> float:
    """Seconds of the second (compiled) epoch of plain gradient steps on a squared output."""
    params = net.init(jax.random.key(0), images[:1])

    @jax.jit
    def epoch(p, imgs):
        def step(q, mb):
            grads = jax.grad(lambda r: jnp.mean(net.apply(r, mb) ** 2))(q)
            return jax.tree.map(lambda a, g: a - 1e-3 * g, q, grads), None

        return jax.lax.scan(step, p, imgs.reshape(minibatches, -1, *imgs.shape[1:]))[0]

    jax.block_until_ready(epoch(params, images))
    t0 = time.perf_counter()
    jax.block_until_ready(epoch(params, images))
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--images", type=int, default=8000)
    p.add_argument("--minibatches", type=int, default=8)
    p.add_argument("--out", required=True)
    args = p.parse_args(argv)
    images = jnp.asarray(np.random.default_rng(0).integers(0, 256, (args.images, 48, 48, 3), np.uint8))
    rows = []
    torsos = {"AtariTorso": ConvTorso(((16, 8, 4), (32, 4, 2))),
              "TiledConvTorso": ConvTorso(((32, 4, 4), (32, 3, 2))), "PatchTorso": PatchTorso()}  # fmt: skip
    for name, net in torsos.items():
        seconds = epoch_seconds(net, images, args.minibatches)
        rows.append({"torso": name, "epoch_s": round(seconds, 3)})
        print(f"{name}: {seconds:.2f} s per epoch of {args.images} images", flush=True)
    write_json_atomic(args.out, {"machine": machine(), "jax": jax.__version__, "images": args.images,
                                 "minibatches": args.minibatches, "rows": rows})  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
