"""The reference's pix2pix objective and training step (models/pix2pix_model.py, networks.GANLoss), written
from its documented behaviour. See __init__.py for the API.
"""
import torch
import torch.nn as nn


class GANLoss(nn.Module):
    """loss(prediction, target_is_real): vanilla (BCE on logits), lsgan (MSE) or wgangp (-/+ mean), against
    labels 1.0 (real) and 0.0 (fake) broadcast to the prediction's shape."""

    def __init__(self, gan_mode="vanilla"):
        super().__init__()
        if gan_mode not in ("vanilla", "lsgan", "wgangp"):
            raise ValueError(f"unknown gan_mode {gan_mode!r} (vanilla, lsgan or wgangp)")
        self.gan_mode = gan_mode
        self.loss = {"vanilla": nn.BCEWithLogitsLoss(), "lsgan": nn.MSELoss()}.get(gan_mode)

    def forward(self, prediction, target_is_real):
        if self.gan_mode == "wgangp":
            return -prediction.mean() if target_is_real else prediction.mean()
        target = torch.tensor(1.0 if target_is_real else 0.0).expand_as(prediction)
        return self.loss(prediction, target)


def set_requires_grad(net, requires_grad):
    for p in net.parameters():
        p.requires_grad = requires_grad


class Pix2pix:
    """G, D, their Adam optimizers (lr, betas (beta1, 0.999)) and the losses; step(A, B) is one iteration."""

    def __init__(self, G, D, gan_mode="vanilla", lambda_L1=100.0, lr=2e-4, beta1=0.5):
        self.G, self.D = G, D
        self.gan_loss, self.l1_loss, self.lambda_L1 = GANLoss(gan_mode), nn.L1Loss(), lambda_L1
        self.optimizer_G = torch.optim.Adam(G.parameters(), lr=lr, betas=(beta1, 0.999))
        self.optimizer_D = torch.optim.Adam(D.parameters(), lr=lr, betas=(beta1, 0.999))

    def step(self, real_A, real_B):
        """One iteration of the reference's optimize_parameters on NCHW batches in [-1, 1]: fake_B = G(A);
        D step on (A, fake_B detached) as fake and (A, B) as real, loss halved; G step on GAN(D(A, fake_B),
        real) + lambda_L1 * L1(fake_B, B), D frozen. Returns the losses as floats and fake_B (detached)."""
        fake_B = self.G(real_A)

        set_requires_grad(self.D, True)
        self.optimizer_D.zero_grad()
        loss_D_fake = self.gan_loss(self.D(torch.cat((real_A, fake_B.detach()), 1)), False)
        loss_D_real = self.gan_loss(self.D(torch.cat((real_A, real_B), 1)), True)
        ((loss_D_fake + loss_D_real) * 0.5).backward()
        self.optimizer_D.step()

        set_requires_grad(self.D, False)
        self.optimizer_G.zero_grad()
        loss_G_GAN = self.gan_loss(self.D(torch.cat((real_A, fake_B), 1)), True)
        loss_G_L1 = self.l1_loss(fake_B, real_B) * self.lambda_L1
        (loss_G_GAN + loss_G_L1).backward()
        self.optimizer_G.step()

        losses = {"G_GAN": loss_G_GAN.item(), "G_L1": loss_G_L1.item(),
                  "D_real": loss_D_real.item(), "D_fake": loss_D_fake.item()}
        return losses, fake_B.detach()
