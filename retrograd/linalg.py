"""torch.linalg: linear algebra functions (re-exports only; the ops live in ops/linalg*.py)."""
from .ops.linalg import (multi_dot, vecdot, linalg_cross as cross, matmul,  # noqa: F401
                         linalg_diagonal as diagonal, linalg_norm as norm, vander)
from .ops.reduction_norm import (linalg_vector_norm as vector_norm,  # noqa: F401
                                 linalg_matrix_norm as matrix_norm)
from .ops.linalg_decomp import (inv, det, linalg_slogdet as slogdet, solve,  # noqa: F401
                                linalg_cholesky as cholesky, LinAlgError)
from .ops.linalg_spectral import qr, eigh, eigvalsh, svd, svdvals  # noqa: F401
from .ops.linalg_ex import inv_ex, cholesky_ex, solve_ex  # noqa: F401
from .ops.linalg_lu import lu, lu_factor, lu_factor_ex, lu_solve  # noqa: F401
from .ops.linalg_matrix import (pinv, matrix_power, matrix_rank, lstsq, matrix_exp,  # noqa: F401
                                cond, tensorinv, tensorsolve)
from .ops.linalg_triangular import solve_triangular  # noqa: F401

__all__ = ["multi_dot", "vecdot", "cross", "matmul", "inv", "det", "slogdet", "solve",
           "cholesky", "qr", "eigh", "eigvalsh", "svd", "svdvals", "pinv", "matrix_power",
           "matrix_rank", "lstsq", "matrix_exp", "solve_triangular", "cond", "tensorinv",
           "tensorsolve", "inv_ex", "cholesky_ex", "solve_ex", "lu", "lu_factor", "lu_factor_ex",
           "lu_solve", "diagonal", "norm", "vector_norm", "matrix_norm", "vander", "LinAlgError"]
