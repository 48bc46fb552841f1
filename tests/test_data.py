"""retrograd.utils.data: datasets, samplers, DataLoader and collation, against PyTorch's
semantics (orders may differ from torch's, as the random number generators differ)."""
import collections
import warnings

import numpy as np
import pytest

import retrograd as torch
import retrograd.utils.data as data
from conftest import REAL_TORCH

from retrograd.utils.data import (DataLoader, TensorDataset, Dataset, IterableDataset,
                                  ConcatDataset, Subset, random_split, default_collate,
                                  default_convert, SequentialSampler, RandomSampler,
                                  BatchSampler, SubsetRandomSampler)

needs_torch = pytest.mark.skipif(REAL_TORCH is None, reason="PyTorch not installed")


def as_np(x):
    """Nested batches as plain Python/NumPy, with tensor dtypes, for comparing libraries."""
    if hasattr(x, "detach"):
        return ("T", str(x.dtype), x.detach().numpy().tolist())
    if isinstance(x, (list, tuple)):
        return (type(x).__name__, [as_np(v) for v in x])
    if isinstance(x, dict):
        return (type(x).__name__, {k: as_np(v) for k, v in x.items()})
    return x


def both(fn):
    """fn(lib) with retrograd, then with torch; the two results as_np."""
    return as_np(fn(torch)), (as_np(fn(REAL_TORCH)) if REAL_TORCH else None)


def lib_data(lib):
    return data if lib is torch else REAL_TORCH.utils.data


Point = collections.namedtuple("Point", "x y")


@needs_torch
@pytest.mark.parametrize("batch", [
    lambda lib: [lib.ones(2, 3), lib.zeros(2, 3)],
    lambda lib: [1, 2, 3],
    lambda lib: [1.5, 2.0],
    lambda lib: [True, False],
    lambda lib: ["a", "b"],
    lambda lib: [np.arange(3, dtype=np.float32), np.ones(3, dtype=np.float32)],
    lambda lib: [np.float32(1.5), np.float32(2)],
    lambda lib: [np.int32(1), np.int32(2)],
    lambda lib: [(lib.ones(2), 1, "s"), (lib.zeros(2), 2, "t")],
    lambda lib: [[1, 2.5], [3, 4.5]],
    lambda lib: [{"x": lib.ones(1), "y": 3, "z": {"w": 1.0}}, {"x": lib.ones(1), "y": 4,
                                                              "z": {"w": 2.0}}],
    lambda lib: [collections.OrderedDict(a=1), collections.OrderedDict(a=2)],
    lambda lib: [Point(1, 2.0), Point(3, 4.0)],
])
def test_default_collate_matches_torch(batch):
    ours, theirs = both(lambda lib: lib_data(lib).default_collate(batch(lib)))
    assert ours == theirs


@needs_torch
@pytest.mark.parametrize("sample", [
    lambda lib: np.arange(3), lambda lib: (np.ones(2), 1, "s"), lambda lib: [np.ones(1)],
    lambda lib: {"a": np.float64(2.0)}, lambda lib: Point(np.ones(1), 2), lambda lib: 3,
    lambda lib: "txt", lambda lib: lib.ones(2),
])
def test_default_convert_matches_torch(sample):
    ours, theirs = both(lambda lib: lib_data(lib).default_convert(sample(lib)))
    assert ours == theirs


def test_default_collate_errors():
    with pytest.raises(RuntimeError, match="each element in list of batch should be of "
                                           "equal size"):
        default_collate([[1, 2], [3]])
    with pytest.raises(TypeError, match="default_collate: batch must contain tensors, numpy "
                                        "arrays, numbers, dicts or lists; found <class "
                                        "'object'>"):
        default_collate([object(), object()])
    with pytest.raises(TypeError, match="found <U1"):
        default_collate([np.array(["a"]), np.array(["b"])])
    with pytest.raises(RuntimeError, match="stack expects each tensor to be equal size"):
        default_collate([torch.ones(2), torch.ones(3)])


def test_tensor_dataset_and_loader_order():
    x = torch.arange(20.).reshape(10, 2)
    y = torch.arange(10)
    ds = TensorDataset(x, y)
    assert len(ds) == 10
    a, b = ds[3]
    assert a.tolist() == [6.0, 7.0] and b.item() == 3
    with pytest.raises(AssertionError, match="Size mismatch between tensors"):
        TensorDataset(x, torch.arange(9))
    dl = DataLoader(ds, batch_size=4)
    assert len(dl) == 3
    batches = list(dl)
    assert [b[1].tolist() for b in batches] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert batches[0][0].shape == (4, 2) and batches[0][1].dtype == torch.int64
    it = iter(dl)
    assert len(it) == 3 and next(it)[1].tolist() == [0, 1, 2, 3]
    dl = DataLoader(ds, batch_size=4, drop_last=True)
    assert len(dl) == 2 and [b[1].tolist() for b in dl] == [[0, 1, 2, 3], [4, 5, 6, 7]]
    one = list(DataLoader(ds))
    assert len(one) == 10 and one[0][0].shape == (1, 2)
    unbatched = list(DataLoader(ds, batch_size=None))
    assert unbatched[2][0].shape == (2,) and unbatched[2][1].item() == 2


def test_shuffle_is_a_reproducible_permutation_differing_per_epoch():
    ds = TensorDataset(torch.arange(50))

    def epochs(seed, n=3):
        dl = DataLoader(ds, batch_size=8, shuffle=True,
                        generator=torch.Generator().manual_seed(seed))
        return [sum((b[0].tolist() for b in dl), []) for _ in range(n)]

    first = epochs(0)
    for order in first:
        assert sorted(order) == list(range(50))
    assert first[0] != first[1] != first[2]
    assert epochs(0) == first
    assert epochs(1) != first
    # without a generator: seeded from the global generator
    torch.manual_seed(3)
    a = [b[0].tolist() for b in DataLoader(ds, batch_size=50, shuffle=True)]
    torch.manual_seed(3)
    b = [b[0].tolist() for b in DataLoader(ds, batch_size=50, shuffle=True)]
    assert a == b and sorted(a[0]) == list(range(50))


def test_collate_fn_and_dict_samples():
    class Dicts(Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return {"x": np.full(2, i, dtype=np.float32), "label": i, "name": f"n{i}"}

    batch = next(iter(DataLoader(Dicts(), batch_size=3)))
    assert batch["x"].dtype == torch.float32 and batch["x"].shape == (3, 2)
    assert batch["label"].tolist() == [0, 1, 2] and batch["name"] == ["n0", "n1", "n2"]
    seen = list(DataLoader(Dicts(), batch_size=2, collate_fn=lambda b: [s["label"] for s in b]))
    assert seen == [[0, 1], [2, 3], [4]]


def test_samplers():
    ds = list(range(7))
    assert list(SequentialSampler(ds)) == list(range(7)) and len(SequentialSampler(ds)) == 7
    g = torch.Generator().manual_seed(0)
    rs = RandomSampler(ds, generator=g)
    assert sorted(rs) == list(range(7)) and len(rs) == 7
    rs = RandomSampler(ds, num_samples=17, generator=g)
    drawn = list(rs)
    assert len(drawn) == 17 and len(rs) == 17
    assert sorted(drawn[:14]) == sorted(ds * 2)
    rep = list(RandomSampler(ds, replacement=True, num_samples=40, generator=g))
    assert len(rep) == 40 and set(rep) <= set(ds)
    assert all(isinstance(i, int) for i in rep)
    bs = BatchSampler(SequentialSampler(ds), 3, False)
    assert list(bs) == [[0, 1, 2], [3, 4, 5], [6]] and len(bs) == 3
    bs = BatchSampler(SequentialSampler(ds), 3, True)
    assert list(bs) == [[0, 1, 2], [3, 4, 5]] and len(bs) == 2
    sr = SubsetRandomSampler([10, 20, 30], generator=g)
    assert sorted(sr) == [10, 20, 30] and len(sr) == 3
    dl = DataLoader(TensorDataset(torch.arange(7)), sampler=SubsetRandomSampler([1, 3, 5]),
                    batch_size=2)
    assert sorted(sum((b[0].tolist() for b in dl), [])) == [1, 3, 5] and len(dl) == 2
    dl = DataLoader(TensorDataset(torch.arange(7)), batch_sampler=[[6, 0], [2]])
    assert [b[0].tolist() for b in dl] == [[6, 0], [2]]


@needs_torch
@pytest.mark.parametrize("call", [
    lambda lib, ds: lib_data(lib).RandomSampler(ds, replacement=1),
    lambda lib, ds: lib_data(lib).RandomSampler(ds, num_samples=0),
    lambda lib, ds: lib_data(lib).RandomSampler([]),
    lambda lib, ds: lib_data(lib).BatchSampler(ds, 0, False),
    lambda lib, ds: lib_data(lib).BatchSampler(ds, True, False),
    lambda lib, ds: lib_data(lib).BatchSampler(ds, 2, 1),
    lambda lib, ds: lib_data(lib).DataLoader(ds, num_workers=-1),
    lambda lib, ds: lib_data(lib).DataLoader(ds, timeout=-1),
    lambda lib, ds: lib_data(lib).DataLoader(ds, prefetch_factor=2),
    lambda lib, ds: lib_data(lib).DataLoader(ds, persistent_workers=True),
    lambda lib, ds: lib_data(lib).DataLoader(ds, sampler=[0, 1], shuffle=True),
    lambda lib, ds: lib_data(lib).DataLoader(ds, batch_sampler=[[0]], batch_size=2),
    lambda lib, ds: lib_data(lib).DataLoader(ds, batch_sampler=[[0]], drop_last=True),
    lambda lib, ds: lib_data(lib).DataLoader(ds, batch_size=None, drop_last=True),
    lambda lib, ds: lib_data(lib).ConcatDataset([]),
    lambda lib, ds: lib_data(lib).ConcatDataset([ds])[-5],
    lambda lib, ds: lib_data(lib).random_split(ds, [1, 1]),
    lambda lib, ds: lib_data(lib).random_split(ds, [1.5, -0.5]),
    lambda lib, ds: lib_data(lib).Dataset()[0],
    lambda lib, ds: lib_data(lib).StackDataset(ds, b=ds),
    lambda lib, ds: lib_data(lib).StackDataset(),
    lambda lib, ds: lib_data(lib).StackDataset(ds, [1]),
    lambda lib, ds: lib_data(lib).WeightedRandomSampler([1., 2.], 0),
    lambda lib, ds: lib_data(lib).WeightedRandomSampler([1., 2.], True),
    lambda lib, ds: lib_data(lib).WeightedRandomSampler([1., 2.], 2, 1),
    lambda lib, ds: lib_data(lib).WeightedRandomSampler([[1., 2.]], 2),
    lambda lib, ds: list(lib_data(lib).WeightedRandomSampler([1., 2.], 5, False)),
    lambda lib, ds: list(lib_data(lib).WeightedRandomSampler([0., 0.], 2)),
    lambda lib, ds: list(lib_data(lib).WeightedRandomSampler([-1., 2.], 2)),
    lambda lib, ds: list(lib_data(lib).WeightedRandomSampler([1., float("nan")], 2)),
    lambda lib, ds: list(lib_data(lib).WeightedRandomSampler([1., float("inf")], 2)),
])
def test_errors_match_torch(call):
    def run(lib):
        ds = [0, 1, 2]
        try:
            call(lib, ds)
        except Exception as e:
            return type(e).__name__, str(e).splitlines()[0] if str(e) else ""
        return None

    ours, theirs = run(torch), run(REAL_TORCH)
    assert theirs is not None and ours == theirs


def test_weighted_random_sampler():
    g = torch.Generator().manual_seed(0)
    ws = data.WeightedRandomSampler([1.0, 0.0, 3.0], 4000, generator=g)
    drawn = np.array(list(ws))
    assert len(ws) == 4000 and drawn.size == 4000 and set(drawn.tolist()) == {0, 2}
    assert abs((drawn == 2).mean() - 0.75) < 0.03
    picks = list(data.WeightedRandomSampler([5.0, 1.0, 0.0, 2.0], 4, replacement=False,
                                            generator=g))
    assert sorted(picks) == [0, 1, 2, 3] and picks[-1] == 2  # zero weight comes last
    firsts = [list(data.WeightedRandomSampler([8.0, 1.0, 1.0], 2, False, generator=g))[0]
              for _ in range(400)]
    assert abs(np.mean(np.array(firsts) == 0) - 0.8) < 0.07
    a = list(data.WeightedRandomSampler([1, 2, 3], 20, generator=torch.Generator().manual_seed(5)))
    b = list(data.WeightedRandomSampler([1, 2, 3], 20, generator=torch.Generator().manual_seed(5)))
    assert a == b


def test_random_split():
    ds = list(range(10))
    g = torch.Generator().manual_seed(0)
    a, b = random_split(ds, [3, 7], generator=g)
    assert len(a) == 3 and len(b) == 7
    assert sorted(list(a) + list(b)) == ds and isinstance(a, Subset)
    again = random_split(ds, [3, 7], generator=torch.Generator().manual_seed(0))
    assert list(again[0]) == list(a)
    parts = random_split(range(11), [0.5, 0.3, 0.2], generator=g)
    assert [len(p) for p in parts] == [6, 3, 2]  # floors 5, 3, 2, remainder dealt from 0
    parts = random_split(range(10), [0.34, 0.33, 0.33], generator=g)
    assert [len(p) for p in parts] == [4, 3, 3]
    with pytest.warns(UserWarning, match="Length of split at index 1 is 0"):
        random_split(range(3), [1.0, 0.0], generator=g)
    if REAL_TORCH is not None:
        for n in (7, 10, 13):
            for fr in ([0.5, 0.5], [0.7, 0.2, 0.1], [0.1] * 10):
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    ours = [len(p) for p in random_split(range(n), fr, generator=g)]
                    theirs = [len(p) for p in REAL_TORCH.utils.data.random_split(range(n), fr)]
                assert ours == theirs


def test_generic_subscripts():
    class Pairs(Dataset[tuple]):
        def __getitem__(self, i):
            return i, i

        def __len__(self):
            return 2

    class Seq(data.Sampler[int]):
        def __iter__(self):
            return iter([1, 0])

        def __len__(self):
            return 2

    batches = list(DataLoader(Pairs(), batch_size=2, sampler=Seq()))
    assert [t.tolist() for t in batches[0]] == [[1, 0], [1, 0]]


def test_concat_subset_and_add():
    a = TensorDataset(torch.arange(3))
    b = TensorDataset(torch.arange(10, 14))
    c = a + b
    assert isinstance(c, ConcatDataset) and len(c) == 7
    assert [c[i][0].item() for i in range(7)] == [0, 1, 2, 10, 11, 12, 13]
    assert c[-1][0].item() == 13 and c.cumulative_sizes == [3, 7]
    s = Subset(c, [6, 0, 4])
    assert len(s) == 3 and s[0][0].item() == 13
    assert [x[0].item() for x in s.__getitems__([0, 2])] == [13, 11]
    dl = DataLoader(s, batch_size=2)
    assert [x[0].tolist() for x in dl] == [[13, 0], [11]]
    with pytest.raises(AssertionError, match="ConcatDataset does not support IterableDataset"):
        ConcatDataset([a, Stream(3)])


class Stream(IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        return self.n


@needs_torch
def test_stack_dataset_matches_torch():
    def run(lib):
        d = lib_data(lib)
        xs = d.TensorDataset(lib.arange(6.).reshape(3, 2))
        ys = [10, 11, 12]
        out = [list(d.DataLoader(d.StackDataset(xs, ys), batch_size=2)),
               list(d.DataLoader(d.StackDataset(x=xs, y=ys), batch_size=2)),
               d.StackDataset(xs, d.Subset(xs, [2, 1, 0])).__getitems__([0, 2]),
               d.StackDataset(a=ys).__getitems__([1]), len(d.StackDataset(ys, ys))]
        return out

    ours, theirs = both(run)
    assert ours == theirs


def test_iterable_dataset():
    dl = DataLoader(Stream(7), batch_size=3)
    assert len(dl) == 3 and [b.tolist() for b in dl] == [[0, 1, 2], [3, 4, 5], [6]]
    dl = DataLoader(Stream(7), batch_size=3, drop_last=True)
    assert len(dl) == 2 and [b.tolist() for b in dl] == [[0, 1, 2], [3, 4, 5]]
    assert [b.item() if hasattr(b, "item") else b for b in DataLoader(Stream(2),
                                                                      batch_size=None)] == [0, 1]
    chain = Stream(2) + Stream(3)
    assert list(chain) == [0, 1, 0, 1, 2] and len(chain) == 5
    with pytest.raises(ValueError, match="expected unspecified shuffle option, but got "
                                         "shuffle=True"):
        DataLoader(Stream(3), shuffle=True)
    with pytest.raises(ValueError, match="expected unspecified sampler option"):
        DataLoader(Stream(3), sampler=[0])


def test_num_workers_runs_in_process_with_a_warning():
    with pytest.warns(UserWarning, match="no worker processes"):
        dl = DataLoader(TensorDataset(torch.arange(4)), batch_size=2, num_workers=2)
    assert [b[0].tolist() for b in dl] == [[0, 1], [2, 3]]
    assert data.get_worker_info() is None


def test_training_loop_smoke():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(64, 3, generator=g)
    y = x @ torch.tensor([1.0, -2.0, 0.5])
    w = torch.zeros(3, requires_grad=True)
    dl = DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True, generator=g)
    for _ in range(30):
        for xb, yb in dl:
            loss = ((xb @ w - yb) ** 2).mean()
            loss.backward()
            with torch.no_grad():
                w -= 0.1 * w.grad
                w.grad = None
    np.testing.assert_allclose(w.detach().numpy(), [1.0, -2.0, 0.5], atol=1e-3)
