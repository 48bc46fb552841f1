"""A small convolutional network on scikit-learn's 8x8 handwritten digits.

Shows: an nn.Module subclass with Conv2d, BatchNorm2d, MaxPool2d, Dropout and Linear
layers, images as (batch, channels, height, width) tensors, a DataLoader with a seeded
generator, SGD with Nesterov momentum and a OneCycleLR schedule stepped every batch,
and model.train() / model.eval() switching BatchNorm and Dropout.

Result: about 98% accuracy on the 360 held-out test images after the default 8 epochs
(well under a minute on a 2-core CPU). Needs scikit-learn (bundled data, no download).

    python examples/digits_cnn.py [--epochs 8] [--channels 16] [--batch-size 32] [--lr 0.1]
"""
import argparse

import retrograd as torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

nn = torch.nn
F = torch.nn.functional
data = torch.utils.data


class DigitsCNN(nn.Module):
    """Two 3x3 convolution blocks (8x8 -> 4x4 -> 2x2 after pooling), then a linear head."""

    def __init__(self, channels=16, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, channels, kernel_size=3, padding=1)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, 2 * channels, kernel_size=3, padding=1)
        self.bn2 = nn.BatchNorm2d(2 * channels)
        self.pool = nn.MaxPool2d(2)
        self.dropout = nn.Dropout(0.2)
        self.head = nn.Linear(2 * channels * 2 * 2, classes)

    def forward(self, x):
        x = self.pool(F.relu(self.bn1(self.conv1(x))))
        x = self.pool(F.relu(self.bn2(self.conv2(x))))
        return self.head(self.dropout(torch.flatten(x, 1)))


def digits_datasets(seed):
    """Train and test TensorDatasets of (1, 8, 8) float images scaled to [0, 1] and int64
    labels (a stratified 80/20 split)."""
    digits = load_digits()
    train_x, test_x, train_y, test_y = train_test_split(
        digits.images / 16.0, digits.target, test_size=0.2, stratify=digits.target,
        random_state=seed)

    def images(array):
        return torch.tensor(array, dtype=torch.float32).unsqueeze(1)
    return (data.TensorDataset(images(train_x), torch.tensor(train_y)),
            data.TensorDataset(images(test_x), torch.tensor(test_y)))


def accuracy(model, dataset):
    images, labels = dataset.tensors
    model.eval()
    with torch.no_grad():
        return (model(images).argmax(dim=1) == labels).float().mean().item()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--channels", type=int, default=16)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    train_set, test_set = digits_datasets(args.seed)
    loader = data.DataLoader(train_set, batch_size=args.batch_size, shuffle=True,
                             generator=torch.Generator().manual_seed(args.seed))
    model = DigitsCNN(args.channels)
    print(model)
    print(f"trainable parameters: {sum(p.numel() for p in model.parameters()):,}")
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, nesterov=True,
                                weight_decay=1e-4)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=args.lr,
                                                    epochs=args.epochs,
                                                    steps_per_epoch=len(loader))
    for epoch in range(1, args.epochs + 1):
        model.train()
        total_loss = 0.0
        for images, labels in loader:
            optimizer.zero_grad()
            loss = F.cross_entropy(model(images), labels)
            loss.backward()
            optimizer.step()
            scheduler.step()
            total_loss += loss.item() * len(labels)
        print(f"epoch {epoch:3d}  train loss {total_loss / len(train_set):.4f}  "
              f"test accuracy {accuracy(model, test_set):.4f}")
    print(f"test accuracy: {accuracy(model, test_set):.4f}")


if __name__ == "__main__":
    main()
