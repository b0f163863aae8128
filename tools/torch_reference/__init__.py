"""Our PyTorch twin of the reference pix2pix (junyanz/pytorch-CycleGAN-and-pix2pix), for measurements:
parity fixtures, the speed baseline, the learning check, training trajectories. CPU only; needs PyTorch
(Debian: apt-get install -y python3-torch libopenblas0-pthread, then /usr/bin/python3).

Import it with tools/ on sys.path:

    sys.path.insert(0, "<repo>/tools")
    from torch_reference import define_G, define_D, Pix2pix

API (argument names and defaults are the reference's):
    define_G(input_nc, output_nc, ngf, netG, norm="batch", use_dropout=False, init_type="normal", init_gain=0.02)
        netG: unet_128 | unet_256 | resnet_9blocks | resnet_6blocks. Built and initialized (see init_weights).
        pix2pix trains with use_dropout=True (the reference's --no_dropout is off).
    define_D(input_nc, ndf, netD, n_layers_D=3, norm="batch", init_type="normal", init_gain=0.02)
        netD: basic | n_layers | pixel. For pix2pix input_nc is input_nc + output_nc of G (D sees A and B).
    init_weights(net, init_type="normal", init_gain=0.02)
        conv weights N(0, init_gain) (or xavier / kaiming / orthogonal), biases 0; BatchNorm weights
        N(1, init_gain), biases 0. Draws from torch's global generator: torch.manual_seed(s) first.
    GANLoss(gan_mode="vanilla")(prediction, target_is_real) -> loss tensor; vanilla | lsgan | wgangp.
    Pix2pix(G, D, gan_mode="vanilla", lambda_L1=100.0, lr=2e-4, beta1=0.5)
        .step(real_A, real_B) -> ({"G_GAN", "G_L1", "D_real", "D_fake"} floats, fake_B detached):
        one iteration of the reference's optimize_parameters (G forward; D step on (A, G(A) detached) and
        (A, B), loss halved; G step on GAN + lambda_L1 * L1 with D frozen; Adam, betas (beta1, 0.999)).
        .G, .D, .optimizer_G, .optimizer_D are plain attributes (e.g. for a learning-rate scheduler).
        Networks are in whatever mode the caller left them (new ones: train mode).
    The network classes (UnetGenerator, ResnetGenerator, NLayerDiscriminator, PixelDiscriminator) and
    norm_layer(kind) are exported too; their state-dict keys are the reference's.
"""
from .networks import (NLayerDiscriminator, PixelDiscriminator, ResnetGenerator, UnetGenerator, define_D, define_G,
                       init_weights, norm_layer)
from .pix2pix import GANLoss, Pix2pix

__all__ = ["GANLoss", "NLayerDiscriminator", "Pix2pix", "PixelDiscriminator", "ResnetGenerator", "UnetGenerator",
           "define_D", "define_G", "init_weights", "norm_layer"]
