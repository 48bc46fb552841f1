"""The training demo that `python -m retrograd` runs after the tour: a small network learns
scikit-learn's bundled 8x8 handwritten digits, written as one would write it for PyTorch."""
import contextlib
import time

import numpy as np

import retrograd as torch

nn = torch.nn
DataLoader = torch.utils.data.DataLoader
TensorDataset = torch.utils.data.TensorDataset

DEFAULT_EPOCHS = 20
INSTALL_HINT = ('pip install "retrograd[demo]"   (from a clone of the repository: '
                'pip install ".[demo]")')


def missing_requirements():
    """The demo's optional packages (scikit-learn, tqdm) that cannot be imported here."""
    missing = []
    for module, package in (("sklearn", "scikit-learn"), ("tqdm", "tqdm")):
        try:
            __import__(module)
        except ImportError:
            missing.append(package)
    return missing


class DigitsNet(nn.Module):
    """An 8x8 image, flattened, through two hidden layers of ReLUs to ten class scores."""

    def __init__(self, hidden=128, classes=10):
        super().__init__()
        self.flatten = nn.Flatten()
        self.layers = nn.Sequential(
            nn.Linear(64, hidden), nn.ReLU(),
            nn.Linear(hidden, hidden), nn.ReLU(),
            nn.Linear(hidden, classes),
        )

    def forward(self, images):
        return self.layers(self.flatten(images))


def summary(model, input_size):
    """A table of the model's leaf layers, each one's output shape (batch as -1) and
    parameter count, found by running one example through it with forward hooks."""
    rows, handles = [], []
    for name, module in model.named_modules():
        if next(module.children(), None) is not None:
            continue

        def record(module, inputs, output, name=name):
            shape = [-1, *output.shape[1:]]
            count = sum(p.numel() for p in module.parameters())
            rows.append((f"{name} ({type(module).__name__})", str(shape), f"{count:,}"))
        handles.append(module.register_forward_hook(record))
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            model(torch.zeros(1, *input_size))
    finally:
        for handle in handles:
            handle.remove()
        model.train(was_training)
    header = ("Layer (type)", "Output shape", "Param #")
    widths = [max(len(row[i]) for row in rows + [header]) + 4 for i in range(3)]

    def line(row):
        return (row[0].ljust(widths[0]) + row[1].ljust(widths[1])
                + row[2].rjust(widths[2] - 4)).rstrip()
    rule = "=" * (sum(widths) - 4)
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return "\n".join([rule, line(header), rule, *map(line, rows), rule,
                      f"Total trainable parameters: {trainable:,}", rule])


def load_split(seed):
    """The 1797 digits as float32 images and int64 labels in a stratified 80/20 split, each
    pixel standardised with the training images' mean and standard deviation."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    images = (digits.images / 16.0).astype(np.float32)
    labels = digits.target.astype(np.int64)
    train_x, test_x, train_y, test_y = train_test_split(
        images, labels, test_size=0.2, stratify=labels, random_state=seed)
    train_x, test_x = torch.tensor(train_x), torch.tensor(test_x)
    mean = train_x.mean(dim=0)
    # the border pixels are (nearly) always blank: a floor on their spread keeps them small
    std = train_x.std(dim=0).clamp(min=0.1)
    return (TensorDataset((train_x - mean) / std, torch.tensor(train_y)),
            TensorDataset((test_x - mean) / std, torch.tensor(test_y)))


def evaluate(model, dataset):
    """(correct, total) of the model's predictions on a TensorDataset."""
    images, labels = dataset.tensors
    model.eval()
    with torch.no_grad():
        predicted = model(images).argmax(dim=1)
    return int((predicted == labels).sum().item()), len(labels)


def one_blas_thread():
    """A context in which NumPy's BLAS runs on one thread. The demo's matrices are at most
    64x128: a second thread only adds synchronisation, and on a busy 2-core machine its
    waiting made the demo 10x slower (22 s instead of 1.6 s). threadpoolctl comes with
    scikit-learn; without it, nothing changes."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def run(epochs=DEFAULT_EPOCHS, seed=0, batch_size=64, lr=1e-3):
    """Train and report; returns the test accuracy (a float in [0, 1])."""
    with one_blas_thread():
        return train_and_report(epochs, seed, batch_size, lr)


def train_and_report(epochs, seed, batch_size, lr):
    from tqdm import tqdm

    start = time.perf_counter()
    torch.manual_seed(seed)
    train_set, test_set = load_split(seed)
    loader = DataLoader(train_set, batch_size=batch_size, shuffle=True,
                        generator=torch.Generator().manual_seed(seed))
    model = DigitsNet()
    print(f"\nTraining a classifier of scikit-learn's handwritten digits: "
          f"{len(train_set)} training and {len(test_set)} test images of 8x8 pixels.\n")
    print(model)
    print(summary(model, (8, 8)))

    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    with tqdm(total=epochs * len(loader), unit="batch", desc="training") as bar:
        for epoch in range(epochs):
            model.train()
            seen, loss_sum = 0, 0.0
            for images, labels in loader:
                optimizer.zero_grad()
                loss = loss_fn(model(images), labels)
                loss.backward()
                optimizer.step()
                seen += len(labels)
                loss_sum += loss.item() * len(labels)
                bar.set_postfix_str(f"epoch {epoch + 1}/{epochs}, loss={loss_sum / seen:.4f}",
                                    refresh=False)
                bar.update()
    correct, total = evaluate(model, test_set)
    elapsed = time.perf_counter() - start
    print(f"test accuracy: {correct / total:.2%} ({correct}/{total} test images) "
          f"after {epochs} epoch{'s' * (epochs != 1)}")
    print(f"wall time: {elapsed:.1f} s (loading, training and evaluation)")
    return correct / total
