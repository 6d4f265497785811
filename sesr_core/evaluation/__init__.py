"""Scoring under the field's protocol: (LR, HR) pairs, PSNR/SSIM on BT.601 Y, and evaluating a model file."""
