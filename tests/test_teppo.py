"""TE-PPO (manyworld.agents.teppo): the CLI round trip (train, checkpoint, resume, eval),
determinism, the bounded encoder std, the observation windows, the gradient paths and
config validation. Needs the ``learn`` extra (skipped without JAX)."""

from __future__ import annotations

import json

import numpy as np
import pytest

jax = pytest.importorskip("jax")

import jax.numpy as jnp

from manyworld.agents import teppo
from manyworld.cli import main as cli_main
from manyworld.evaluation import load_agent
from manyworld.train.checkpoint import latest_checkpoint
from manyworld.train.harness import TIMING_KEYS, RunConfig, train

# MT10 with one world per task and 100-step rollouts: 1,000 samples per update. The
# determinism test uses the same agent config as the CLI smoke test, so it reuses its
# compiled functions.
SMOKE_CFG = teppo.TEPPOConfig(rollout_steps=100)


def test_cli_train_resume_eval(tmp_path, capsys):
    run = tmp_path / "r"
    assert cli_main(["train", "--algo", "teppo", "--benchmark", "MT10", "--steps", "2000",
                     "--worlds-per-task", "1", "--rollout-steps", "100", "--log-interval", "1000",
                     "--eval-interval", "0", "--eval-variations", "1", "--checkpoint-interval",
                     "1000", "--quiet", "--run-dir", str(run)]) == 0  # fmt: skip
    config = json.loads((run / "config.json").read_text())
    assert config["agent"]["obs_dim"] == 39 + 10 and config["agent"]["num_tasks"] == 10
    before = latest_checkpoint(run / "checkpoints").name
    assert cli_main(["train", "--resume", str(run), "--steps", "3000", "--quiet"]) == 0
    assert latest_checkpoint(run / "checkpoints").name > before
    rows = [json.loads(x) for x in (run / "metrics.jsonl").read_text().splitlines()]
    assert [r["env_steps"] for r in rows] == [1000, 2000, 3000]
    assert rows[-1]["updates"] == 3
    for key in teppo.METRIC_KEYS:
        assert np.isfinite(rows[-1][key]), key

    agent = load_agent(str(run))
    obs = np.zeros((3, 49))
    obs[np.arange(3), 39 + np.array([0, 4, 9])] = 1.0
    act = agent.act(obs)
    assert act.shape == (3, 4) and np.all(np.abs(act) <= 1)
    with pytest.raises(ValueError, match="49-d observations"):
        agent.act(np.zeros((3, 39)))
    assert cli_main(["eval", "--agent", str(run), "--benchmark", "MT10", "--variations", "1",
                     "--quiet"]) == 0  # fmt: skip
    assert "mean success" in capsys.readouterr().out


def test_same_seed_same_metrics(tmp_path):
    run = RunConfig(steps=2000, worlds_per_task=1, log_interval=1000, eval_interval=0,
                    eval_variations=1, checkpoint_interval=0)  # fmt: skip

    def rows(name):
        _, _, out = train("teppo", "MT10", SMOKE_CFG, run, tmp_path / name, progress=None)
        return [{k: v for k, v in r.items() if k not in TIMING_KEYS and not k.startswith("time_")}
                for r in out]  # fmt: skip

    first = rows("a")
    assert len(first) == 2 and first == rows("b")


# ------------------------------------------------------------------ UNITS
SMALL = teppo.TEPPOConfig(num_tasks=3, obs_dim=42, hidden=(8,), value_hidden=(8,),
                          encoder_hidden=(6,), inference_hidden=(6,), inference_window=3)  # fmt: skip


def test_encoder_std_bounded_by_embedding_max_std():
    state = teppo.init_state(SMALL, jax.random.key(0))
    enc = teppo.make_encoder(SMALL)
    tasks = jnp.eye(3)
    _, log_std = enc.apply(state.encoder, tasks)
    # the std starts at half the bound (garage's init_std 0.1 for max_std 0.2)
    np.testing.assert_allclose(np.exp(log_std), SMALL.embedding_max_std / 2, rtol=1e-5)
    for scale in (1e2, -1e2, 1e4):
        wild = jax.tree.map(lambda p, s=scale: p * s + s, state.encoder)
        for x in (tasks, 50.0 * jax.random.normal(jax.random.key(1), (16, 3))):
            std = np.exp(np.asarray(enc.apply(wild, x)[1], np.float64))
            assert np.all(std <= SMALL.embedding_max_std) and np.all(std >= 0)


def test_window_pads_with_the_first_observation_at_episode_starts():
    # two worlds, window 3, 1-d observations; world 1's episode restarts at its third step
    window = jnp.zeros((2, 3, 1))
    steps = [([1.0, 10.0], [True, True]), ([2.0, 20.0], [False, False]),
             ([3.0, 30.0], [False, True]), ([4.0, 40.0], [False, False])]  # fmt: skip
    seen = []
    for obs, restart in steps:
        window = teppo.push_window(window, jnp.array(obs)[:, None], jnp.array(restart))
        seen.append(np.asarray(window)[..., 0].tolist())
    assert seen == [
        [[1, 1, 1], [10, 10, 10]],
        [[1, 1, 2], [10, 10, 20]],
        [[1, 2, 3], [30, 30, 30]],
        [[2, 3, 4], [30, 30, 40]],
    ]


def test_gradient_paths():
    """The surrogate trains the encoder (through z); only the likelihood trains inference."""
    cfg = SMALL.replace(encoder_ent_coef=0.0, inference_ce_coef=0.0, normalize_advantages=False)
    state = teppo.init_state(cfg, jax.random.key(0))
    ks = jax.random.split(jax.random.key(1), 5)
    n = 8
    mb = {
        "state": jax.random.normal(ks[0], (n, 39)),
        "task": jax.nn.one_hot(jnp.arange(n) % 3, 3),
        "eps": jax.random.normal(ks[1], (n, cfg.latent_dim)),
        "z": jax.random.normal(ks[2], (n, cfg.latent_dim)),
        "window": jax.random.normal(ks[3], (n, 3 * 39)),
        "action": jax.random.normal(ks[4], (n, 4)),
        "log_prob": jnp.zeros(n) - 6.0,
        "advantage": jnp.linspace(-1.0, 1.0, n),
        "return": jnp.ones(n),
    }
    params = {k: getattr(state, k) for k in ("policy", "encoder", "inference", "value")}

    def norm(tree):
        return float(jnp.sqrt(sum(jnp.sum(g**2) for g in jax.tree.leaves(tree))))

    grads, _ = jax.grad(lambda p: teppo._loss(cfg, p, mb), has_aux=True)(params)
    assert norm(grads["encoder"]) > 0 and norm(grads["policy"]) > 0
    assert norm(grads["inference"]) == 0
    grads, metrics = jax.grad(lambda p: teppo._loss(cfg.replace(inference_ce_coef=1.0), p, mb),
                              has_aux=True)(params)  # fmt: skip
    assert norm(grads["inference"]) > 0 and np.isfinite(float(metrics["inference_loss"]))


@pytest.mark.parametrize(
    "change,field",
    [({"obs_dim": 40, "num_tasks": 10}, "obs_dim"), ({"latent_dim": 0}, "latent_dim"),
     ({"inference_window": 0}, "inference_window"), ({"embedding_max_std": 0.0}, "embedding_max_std"),
     ({"encoder_hidden": (0,)}, "encoder_hidden"), ({"inference_coef": -1.0}, "inference_coef"),
     ({"gae_lambda": 1.5}, "gae_lambda"), ({"activation": "gelu"}, "activation")],
)  # fmt: skip
def test_config_validation_names_the_field(change, field):
    with pytest.raises(ValueError, match=field):
        teppo.TEPPOConfig(**change)


def test_config_accepts_matching_obs_dim():
    assert teppo.TEPPOConfig(num_tasks=10, obs_dim=49).obs_dim == 49


def test_help_lists_teppo_fields(capsys):
    with pytest.raises(SystemExit) as exit_:
        cli_main(["train", "--algo", "teppo", "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert "agent (teppo: TEPPOConfig)" in out
    for flag in ("--latent-dim", "--inference-window", "--embedding-max-std",
                 "--encoder-ent-coef", "--inference-coef", "--inference-ce-coef"):  # fmt: skip
        assert flag in out, flag
