"""Notebook 04's deliberately broken PyTorch function, for the tests that check what the course
says about it (the notebook writes it out for the learner; the tests share this one copy)."""


def bad_sigmoid(torch):
    """04 §4.5's BadSigmoid: its backward returns dL/da · a, forgetting the factor (1 − a)."""

    class BadSigmoid(torch.autograd.Function):
        @staticmethod
        def forward(ctx, z):
            a = torch.sigmoid(z)
            ctx.save_for_backward(a)
            return a

        @staticmethod
        def backward(ctx, dL_da):
            (a,) = ctx.saved_tensors
            return dL_da * a

    return BadSigmoid
