import copy

import torch
import torch.nn as nn
import torch.nn.functional as F

# LayerNorm, BatchNorm1d/2d, Embedding and the small layers (Softmin, Mish, Hardswish, PReLU,
# Unflatten, F.pad, cosine_similarity, kl_div): values, grads, grad_fns, reprs, state_dicts, errors.


def attempt(label, f):
    try:
        print(label, f())
    except Exception as e:
        print(label, type(e).__name__, e)


def weights(*shape):
    return torch.arange(float(torch.tensor(shape).prod().item())).view(*shape).sin()


def case_layer_norm_module():
    torch.manual_seed(1)
    x = torch.randn(3, 4, requires_grad=True)
    ln = nn.LayerNorm(4)
    print(ln, ln.normalized_shape, ln.eps, ln.elementwise_affine)
    print([n for n, _ in ln.named_parameters()], list(ln.state_dict().keys()))
    y = ln(x)
    print(y, y.grad_fn.name())
    (y * weights(3, 4)).sum().backward()
    print(x.grad, ln.weight.grad, ln.bias.grad)


def case_layer_norm_affine_params_and_3d():
    torch.manual_seed(2)
    x = torch.randn(2, 3, 4, requires_grad=True)
    ln = nn.LayerNorm([3, 4], eps=1e-3)
    with torch.no_grad():
        ln.weight.copy_(weights(3, 4) + 1)
        ln.bias.copy_(weights(3, 4) * 0.5)
    print(ln)
    y = ln(x)
    print(y)
    (y ** 2).mean().backward()
    print(x.grad)
    print(ln.weight.grad, ln.bias.grad)


def case_layer_norm_no_affine_and_functional():
    torch.manual_seed(3)
    x = torch.randn(2, 5, requires_grad=True)
    ln = nn.LayerNorm(5, elementwise_affine=False)
    print(ln, list(ln.parameters()), ln.weight, ln.state_dict())
    y = ln(x)
    y[:, 0].sum().backward()
    print(y, x.grad)
    w = torch.tensor([1.0, 2.0, 0.5, -1.0, 3.0], requires_grad=True)
    z = F.layer_norm(x, (5,), w, None, 1e-2)
    z.sum().backward()
    print(z, z.grad_fn.name(), w.grad)
    print(F.layer_norm(torch.tensor([[1.0, 1.0, 1.0]]), [3]))


def case_layer_norm_errors():
    ln = nn.LayerNorm(4)
    attempt("shape", lambda: ln(torch.ones(2, 3)))
    attempt("rank", lambda: F.layer_norm(torch.ones(3), (2, 3)))
    attempt("weight", lambda: F.layer_norm(torch.ones(2, 3), (3,), torch.ones(4)))
    attempt("int", lambda: F.layer_norm(torch.ones(2, 3, dtype=torch.long), (3,)))


def case_batch_norm_training():
    torch.manual_seed(4)
    bn = nn.BatchNorm1d(3)
    print(bn)
    print(list(bn.state_dict().keys()), [n for n, _ in bn.named_buffers()])
    for step in range(3):
        x = (torch.randn(5, 3) * (step + 1) + step).requires_grad_()
        y = bn(x)
        (y * weights(5, 3)).sum().backward()
        print(step, y.grad_fn.name())
        print(y)
        print(x.grad)
        print(bn.running_mean, bn.running_var, bn.num_batches_tracked)
    print(bn.weight.grad, bn.bias.grad)
    print(bn.state_dict())


def case_batch_norm_eval():
    torch.manual_seed(5)
    bn = nn.BatchNorm1d(4)
    for _ in range(4):
        bn(torch.randn(6, 4) * 2 + 1)
    bn.eval()
    print(bn.training, bn.running_mean, bn.running_var, bn.num_batches_tracked)
    x = torch.randn(3, 4, requires_grad=True)
    y = bn(x)
    y.sum().backward()
    print(y, y.grad_fn.name(), x.grad, bn.weight.grad)
    print(bn.num_batches_tracked)
    bn.train()
    bn(torch.randn(2, 4))
    print(bn.num_batches_tracked, bn.running_mean)


def case_batch_norm_3d_and_options():
    torch.manual_seed(6)
    x = torch.randn(2, 3, 4, requires_grad=True)
    bn = nn.BatchNorm1d(3, affine=False, momentum=0.3, eps=1e-3)
    print(bn, list(bn.parameters()), list(bn.state_dict().keys()))
    y = bn(x)
    (y * weights(2, 3, 4)).sum().backward()
    print(y, x.grad, bn.running_mean, bn.running_var)
    nt = nn.BatchNorm1d(3, track_running_stats=False)
    print(nt, nt.running_mean, list(nt.state_dict().keys()))
    x2 = torch.randn(4, 3)
    print(nt(x2))
    nt.eval()
    print(nt(x2))
    cm = nn.BatchNorm1d(3, momentum=None)
    for _ in range(3):
        cm(torch.randn(4, 3))
    print(cm, cm.running_mean, cm.running_var, cm.num_batches_tracked)


def case_batch_norm_2d():
    torch.manual_seed(7)
    x = torch.randn(2, 3, 2, 2, requires_grad=True)
    bn = nn.BatchNorm2d(3)
    with torch.no_grad():
        bn.weight.copy_(torch.tensor([1.0, 2.0, -0.5]))
        bn.bias.copy_(torch.tensor([0.0, 0.5, 1.0]))
    y = bn(x)
    (y * weights(2, 3, 2, 2)).sum().backward()
    print(bn, y, x.grad, bn.weight.grad, bn.bias.grad, bn.running_mean, bn.running_var)
    bn.eval()
    print(bn(x[:1]))


def case_batch_norm_functional_and_errors():
    x = torch.tensor([[1.0, 2.0], [3.0, 5.0], [0.0, -1.0]], requires_grad=True)
    rm = torch.zeros(2)
    rv = torch.ones(2)
    y = F.batch_norm(x, rm, rv, training=True, momentum=0.5)
    y.sum().backward()
    print(y, y.grad_fn.name(), x.grad, rm, rv)
    print(F.batch_norm(x, rm, rv))
    print(F.batch_norm(x, None, None, training=True))
    attempt("4d", lambda: nn.BatchNorm1d(2)(torch.ones(2, 2, 2, 2)))
    attempt("1d", lambda: nn.BatchNorm1d(2)(torch.ones(2)))
    attempt("2d", lambda: nn.BatchNorm2d(2)(torch.ones(2, 2, 2)))
    attempt("batch of one", lambda: nn.BatchNorm1d(2)(torch.ones(1, 2)))
    attempt("channels", lambda: nn.BatchNorm1d(3)(torch.ones(4, 2)))
    bn = nn.BatchNorm1d(2)
    bn.eval()
    print(bn(torch.ones(1, 2)))


def case_embedding():
    torch.manual_seed(8)
    e = nn.Embedding(5, 3)
    print(e, e.weight)
    print(list(e.state_dict().keys()))
    idx = torch.tensor([[0, 2, 2], [4, 0, 2]])
    out = e(idx)
    print(out, out.grad_fn.name(), out.shape)
    (out * weights(2, 3, 3)).sum().backward()
    print(e.weight.grad)
    print(e(torch.tensor(3)))


def case_embedding_padding_idx():
    torch.manual_seed(9)
    e = nn.Embedding(4, 2, padding_idx=-1)
    print(e, e.padding_idx, e.weight)
    out = e(torch.tensor([3, 1, 3, 0]))
    out.sum().backward()
    print(out, e.weight.grad)
    w = torch.arange(8.0).view(4, 2).requires_grad_()
    z = F.embedding(torch.tensor([[1, 0], [1, 1]]), w, padding_idx=1)
    z.sum().backward()
    print(z, w.grad)
    attempt("padding range", lambda: nn.Embedding(3, 2, padding_idx=3))
    attempt("padding range neg", lambda: nn.Embedding(3, 2, padding_idx=-4))


def case_embedding_from_pretrained():
    pre = torch.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    e = nn.Embedding.from_pretrained(pre)
    print(e, e.weight, e.weight.requires_grad)
    out = e(torch.tensor([2, 0]))
    print(out, out.requires_grad, out.grad_fn)
    t = nn.Embedding.from_pretrained(pre, freeze=False, padding_idx=0)
    print(t, t.weight.requires_grad)
    r = t(torch.tensor([0, 1, 1]))
    r.sum().backward()
    print(t.weight.grad)
    with torch.no_grad():
        t.weight[1] += 10
    print(pre)


def case_embedding_errors():
    e = nn.Embedding(3, 2)
    attempt("too big", lambda: e(torch.tensor([0, 3])))
    attempt("negative", lambda: e(torch.tensor([-1])))
    attempt("float idx", lambda: e(torch.tensor([0.0, 1.0])))
    attempt("functional", lambda: F.embedding(torch.tensor([5]), torch.ones(3, 2)))


def case_small_activations():
    x = torch.tensor([[-4.0, -2.5, -0.5, 0.0], [0.25, 1.5, 3.0, 5.0]], requires_grad=True)
    for m in [nn.Mish(), nn.Hardswish(), nn.Softmin(dim=1), nn.Softmin(dim=0)]:
        y = m(x)
        (y * weights(2, 4)).sum().backward()
        print(m, y, y.grad_fn.name(), x.grad)
        x.grad = None
    print(F.mish(x), F.hardswish(x), F.softmin(x, -1))


def case_prelu():
    x = torch.tensor([[-2.0, 1.0, -0.5], [3.0, -1.0, 0.0]], requires_grad=True)
    p = nn.PReLU()
    print(p, p.weight, list(p.state_dict().keys()))
    y = p(x)
    (y * weights(2, 3)).sum().backward()
    print(y.detach(), x.grad, p.weight.grad)
    p3 = nn.PReLU(3, init=0.1)
    x.grad = None
    y = p3(x)
    (y * weights(2, 3)).sum().backward()
    print(p3, y.detach(), x.grad, p3.weight.grad)


def case_unflatten_and_pad():
    x = torch.arange(12.0).view(2, 6).requires_grad_()
    u = nn.Unflatten(1, (2, 3))
    y = u(x)
    print(u, y.shape, y.grad_fn.name())
    print(nn.Unflatten(-1, (3, -1))(x).shape)
    p = F.pad(x, (1, 2))
    print(p, p.grad_fn.name())
    q = F.pad(x, (0, 1, 2, 0), value=-1.5)
    (q * weights(*q.shape)).sum().backward()
    print(q, x.grad)
    print(F.pad(torch.tensor([1, 2]), (1, 1), value=7))
    print(F.pad(torch.ones(2, 2, 2), (1, 1, 0, 0, 1, 0)).shape)
    attempt("odd", lambda: F.pad(x, (1,)))
    attempt("long", lambda: F.pad(x, (1, 1, 1, 1, 1, 1)))


def case_cosine_similarity():
    a = torch.tensor([[1.0, 2.0, 3.0], [0.5, -1.0, 2.0], [0.0, 0.0, 0.0]], requires_grad=True)
    b = torch.tensor([[1.0, 0.0, 3.0], [2.0, 1.0, -1.0], [1.0, 1.0, 1.0]], requires_grad=True)
    c = F.cosine_similarity(a, b)
    c.sum().backward()
    print(c, c.grad_fn.name(), a.grad, b.grad)
    m = nn.CosineSimilarity(dim=0, eps=1e-6)
    print(m, m(a, b))
    print(F.cosine_similarity(a, torch.tensor([1.0, 1.0, 0.0])))


def case_kl_div():
    logits = torch.tensor([[1.0, 2.0, 0.5], [0.3, 0.2, 0.9]], requires_grad=True)
    target = torch.tensor([[0.1, 0.9, 0.0], [0.3, 0.3, 0.4]])
    for red in ["batchmean", "sum", "none"]:
        loss = nn.KLDivLoss(reduction=red)(F.log_softmax(logits, 1), target)
        loss.sum().backward()
        print(red, loss, loss.grad_fn.name(), logits.grad)
        logits.grad = None
    lt = F.kl_div(F.log_softmax(logits, 1), F.log_softmax(logits.detach() * 2, 1), reduction="sum", log_target=True)
    print(lt, nn.KLDivLoss())


def case_buffers_copies_and_more_errors():
    torch.manual_seed(0)
    m = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.LayerNorm(4), nn.PReLU())
    print(m)
    x = torch.randn(5, 3)
    with torch.no_grad():
        m(x)
    print(m[1].running_mean, m[1].num_batches_tracked)
    c = copy.deepcopy(m)
    c(x)
    print(c[1].num_batches_tracked, m[1].num_batches_tracked, c[1].running_var)
    print(list(dict(m.named_buffers()).keys()), list(m.state_dict().keys()))
    sd = m.state_dict()
    del sd["1.num_batches_tracked"]
    attempt("missing", lambda: m.load_state_dict(sd))
    attempt("F int shape", lambda: F.layer_norm(x, 3).shape)
    attempt("bn eval no stats", lambda: F.batch_norm(x, None, None))
    attempt("bn eval no var", lambda: F.batch_norm(x, torch.zeros(3), None))
    bn = nn.BatchNorm1d(3)
    bn.running_mean.fill_(2.0)
    bn.reset_running_stats()
    print(bn.running_mean, bn.num_batches_tracked)
    e = nn.Embedding(4, 2, padding_idx=0)
    e(torch.tensor([0, 0])).sum().backward()
    print(e.weight.grad)


def case_saved_tensors():
    # NativeBatchNormBackward0 saves the input and weight, not the bias
    bn = nn.BatchNorm1d(2)
    x = torch.tensor([[1.0, 2.0], [3.0, 5.0], [0.0, 1.0]], requires_grad=True)
    y = bn(x)
    with torch.no_grad():
        bn.bias.add_(1.0)
    (y * torch.tensor([1.0, 2.0])).sum().backward()
    print(bn.bias.grad)
    y = bn(x)
    with torch.no_grad():
        bn.weight.mul_(2.0)
    attempt("weight modified", lambda: y.sum().backward())
    ln = nn.LayerNorm(2)
    y = ln(x)
    with torch.no_grad():
        ln.bias.add_(1.0)
    attempt("ln bias modified", lambda: y.sum().backward())


for _name in [n for n in list(globals()) if n.startswith("case_")]:
    print("### " + _name)
    try:
        globals()[_name]()
    except Exception as _e:
        print("!! " + type(_e).__name__ + ": " + str(_e).split(chr(10))[0])
