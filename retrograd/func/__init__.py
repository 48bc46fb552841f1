"""torch.func"""
