"""A tiny character-level transformer that learns to continue a short built-in text.

Shows: nn.Embedding for characters plus a learned positional embedding, an
nn.TransformerEncoder (pre-norm layers, batch_first) run with a causal mask so each position
only attends to earlier ones, a Linear head over the vocabulary, cross-entropy on every
position, AdamW with gradient clipping, and greedy decoding under torch.no_grad().

Result: the training loss falls from about ln(vocabulary) ~ 3.4 to below 0.3 nats per
character in the default 400 steps (under a minute on a 2-core CPU), and the greedy
continuation of a prompt reproduces the text.

    python examples/char_transformer.py [--steps 400] [--block 32] [--d-model 48]
                                        [--layers 2] [--heads 4] [--batch-size 32]
"""
import argparse

import retrograd as torch

nn = torch.nn
F = torch.nn.functional

TEXT = """\
a graph is recorded as you compute. every result remembers the function that made it
and the inputs it came from. backward walks the graph from the loss to the leaves,
multiplying each local derivative into the gradient it receives, and adds the result
into the grad of every leaf that asked for one. run it twice and the gradients add up;
zero them before the next step. a gradient of a gradient is just another graph.
"""


class CharTransformer(nn.Module):
    def __init__(self, vocabulary, block, d_model, heads, layers):
        super().__init__()
        self.tokens = nn.Embedding(vocabulary, d_model)
        self.positions = nn.Embedding(block, d_model)
        layer = nn.TransformerEncoderLayer(d_model, heads, dim_feedforward=4 * d_model,
                                           dropout=0.0, batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, vocabulary)
        # -inf above the diagonal: position t sees positions 0..t only
        self.register_buffer("causal_mask",
                             torch.triu(torch.full((block, block), float("-inf")), 1),
                             persistent=False)

    def forward(self, indices):
        length = indices.shape[1]
        x = self.tokens(indices) + self.positions(torch.arange(length))
        x = self.encoder(x, mask=self.causal_mask[:length, :length], is_causal=True)
        return self.head(self.norm(x))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=400)
    parser.add_argument("--block", type=int, default=32)
    parser.add_argument("--d-model", type=int, default=48)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    alphabet = sorted(set(TEXT))
    code = {char: i for i, char in enumerate(alphabet)}
    text = torch.tensor([code[char] for char in TEXT])
    model = CharTransformer(len(alphabet), args.block, args.d_model, args.heads, args.layers)
    print(f"{len(TEXT)} characters, vocabulary of {len(alphabet)}, "
          f"{sum(p.numel() for p in model.parameters()):,} parameters")
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    generator = torch.Generator().manual_seed(args.seed)
    offsets = torch.arange(args.block)

    model.train()
    for step in range(1, args.steps + 1):
        starts = torch.randint(len(text) - args.block, (args.batch_size,), generator=generator)
        inputs = text[starts[:, None] + offsets]          # (batch, block)
        targets = text[starts[:, None] + offsets + 1]     # the next character of each
        logits = model(inputs)
        loss = F.cross_entropy(logits.reshape(-1, len(alphabet)), targets.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        if step == 1 or step % max(1, args.steps // 8) == 0:
            print(f"step {step:4d}  loss {loss.item():.4f}")
    print(f"final loss: {loss.item():.4f}")

    model.eval()
    prompt = "backward walks"
    indices = torch.tensor([[code[char] for char in prompt]])
    with torch.no_grad():
        for _ in range(60):
            logits = model(indices[:, -args.block:])
            next_index = logits[0, -1].argmax()
            indices = torch.cat([indices, next_index.reshape(1, 1)], dim=1)
    print("greedy continuation: " + repr("".join(alphabet[i] for i in indices[0].tolist())))


if __name__ == "__main__":
    main()
