"""The analytic gradient of the BG/NBD and MBG/NBD fits (one evaluation per step)."""

import numpy as np
from scipy import optimize

from odoo.addons.retail_crm_rfm.tools import rfm_models as stats
from odoo.tests import BaseCase, tagged


@tagged("post_install", "-at_install")
class TestRfmFitGradient(BaseCase):
    def test_gradient_is_the_derivative_of_the_objective(self):
        """At several points, for both models, the analytic gradient equals the
        finite-difference derivative of the collapsed negative log-likelihood."""
        rng = np.random.default_rng(7)
        size = 3000
        x = rng.poisson(1.5, size).astype(float)
        T = rng.uniform(5.0, 80.0, size)
        t_x = np.where(x > 0, rng.uniform(0.0, 1.0, size) * T, 0.0)
        (ux, ut, uT), weights = stats._collapse(x, t_x, T)
        for kind in stats.MODELS:
            objective, gradient, _total = stats._objective(kind, ux, ut, uT, weights)
            for params in ((0.243, 4.414, 0.793, 2.426), (2.0, 30.0, 0.1, 10.0), (0.5, 5.0, 3.0, 0.7)):
                point = np.log(params)
                numeric = optimize.approx_fprime(point, objective, 1e-7)
                with self.subTest(kind=kind, params=params):
                    np.testing.assert_allclose(gradient(point), numeric, rtol=1e-4, atol=1e-6)
