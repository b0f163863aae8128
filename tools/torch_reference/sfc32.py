"""src/random.ts's Rng (sfc32, seeded the same way) in Python, so a PyTorch side can draw the numbers
pix2pix-ts draws: the WGAN-GP interpolation weights of the parity fixtures, the trajectory tool's shared
dropout masks."""


class Sfc32:
    def __init__(self, seed):
        self.s = [0x9E3779B9, seed % 2 ** 32, (seed // 2 ** 32) % 2 ** 32, 1]
        for _ in range(16):
            self.uint32()

    def uint32(self):
        a, b, c, d = self.s
        t = (a + b + d) % 2 ** 32
        d = (d + 1) % 2 ** 32
        a = b ^ (b >> 9)
        b = (c + (c << 3)) % 2 ** 32
        c = ((c << 21) | (c >> 11)) % 2 ** 32
        c = (c + t) % 2 ** 32
        self.s = [a, b, c, d]
        return t

    def next(self):
        """A uniform float in [0, 1), as Rng.next()."""
        return self.uint32() / 2 ** 32

    def uniforms(self, n):
        return [self.next() for _ in range(n)]
