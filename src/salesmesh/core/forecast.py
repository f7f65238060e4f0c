"""Attainment forecast: the exact distribution of closed + open pipeline + new business.

DESIGN.md §2 and §4 ("forecast of 100k open deals"). Three parts:

* ``attainment_distribution`` — the distribution of a node's total for the period::

      total = closed + Σ_i a_i · Bernoulli(p_i) + v · Poisson(λ)

  closed revenue is certain; each open deal i is won (amount a_i) or not, independently,
  with its calibrated win probability p_i; new business from the behaviour run-rate is a
  Poisson number of new deals (mean λ = behaviours planned × conversion to a closed deal
  over the remaining working days) each worth the mean deal value v. A Poisson count
  because new deals arise from many independent, individually unlikely conversions (the
  law of rare events); valuing them at the mean deal value keeps the term on the money
  lattice and its mean exact, at the price of understating its spread by the deal-size
  dispersion (var = λ·v² instead of λ·E[value²]) — small beside the pipeline's spread
  while new business is a minor part of the remaining target.

  Nothing is sampled; the result is deterministic. See ``attainment_distribution`` for
  the method and its error bound.
* ``calibrate_win_rates`` — win probability by stage and deal age from closed history,
  shrunk towards the stage's rate (and that towards the overall rate) by Beta priors.
* ``backtest`` — Brier score and a reliability table by decile for past predictions.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from enum import StrEnum
from itertools import chain, pairwise

import numpy as np
import numpy.typing as npt

from salesmesh.core.i18n import Message, gettext_noop
from salesmesh.core.money import CENT, MoneyError, to_money

__all__ = [
    "ALIAS_TOLERANCE",
    "ATOM_LIMIT",
    "DEFAULT_AGE_BINS",
    "DEFAULT_PRIOR_STRENGTH",
    "QUANTILE_SLACK",
    "TRUNCATION_TOLERANCE",
    "WHALES",
    "AgeBinRate",
    "AttainmentForecast",
    "Calibration",
    "CdfPoint",
    "ClosedDealObservation",
    "ForecastError",
    "ForecastMethod",
    "NewBusiness",
    "OpenDeal",
    "ReliabilityBin",
    "StageWinRates",
    "WinRateModel",
    "attainment_distribution",
    "backtest",
    "calibrate_win_rates",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
ComplexArray = npt.NDArray[np.complex128]

# -- constants -------------------------------------------------------------------------------

# Enumeration keeps every distinct total with its probability. 65,536 atoms cost a few
# milliseconds per deal to merge; past that the characteristic function is faster.
ATOM_LIMIT = 1 << 16
# Asked for explicitly, enumeration goes on to 16 million totals (≈ 400 MB while merging).
_ENUMERATION_CEILING = 1 << 24
# A dense lattice (one cell per money unit between the smallest and largest total) is
# enumerated when it has at most this many cells and the work, cells × deals, stays small.
_DENSE_CELLS = 1 << 22
_DENSE_WORK = 40_000_000
# The largest deals are enumerated exactly even on the characteristic-function path: they
# alone would force a wide inversion window (the Bernstein bound grows with the largest
# amount) and a fine frequency grid. 2^8 = 256 atoms at most.
WHALES = 8
# Mass allowed outside the inversion window (it would wrap around), and the bound on the
# frequencies left out of the inversion sum. Both far below the 1e-9 a forecast needs.
ALIAS_TOLERANCE = 1e-13
TRUNCATION_TOLERANCE = 1e-12
# A pipeline too lumpy for the envelope to certify (see _frequencies) is inverted with at most
# this many frequencies, and reported without an error bound.
_MAX_FREQUENCIES = 1 << 12
# Poisson terms are enumerated until the remaining tail is below this.
_POISSON_TAIL = 1e-17
# Probabilities carry float rounding of ~1e-15; a quantile must not move to the next
# lattice point because Σ probabilities came out at 0.49999999999999994 instead of 0.5.
QUANTILE_SLACK = 1e-12
# Deals per block when evaluating the characteristic function, so that a block of
# (deals × frequencies) complex numbers stays around 32 MB however large the pipeline.
_BLOCK_CELLS = 1 << 21
# Mean and money sums are computed in Decimal with this many digits: a float probability
# is a binary fraction of up to ~55 significant digits, so products stay exact enough that
# only a tie closer than 1e-60 to half a cent could round differently from exact arithmetic.
_DECIMAL_DIGITS = 100
# Totals are held as int64 counts of the lattice unit (a cent at the finest).
_MAX_CENTS = 1 << 62
_MAX_MONEY = Decimal(_MAX_CENTS).scaleb(-2)

DEFAULT_AGE_BINS: tuple[int, ...] = (0, 30, 60, 90, 180, 365)
# Ten pseudo-observations: a bin of ten closed deals is weighed equally against the
# stage's rate — enough that three lost deals in a fresh bin do not read as "never wins",
# few enough that a bin with a hundred deals speaks for itself.
DEFAULT_PRIOR_STRENGTH = 10.0

_DECILES = 10
_QUANTILES = (0.1, 0.5, 0.9)


# -- errors ----------------------------------------------------------------------------------


class ForecastError(ValueError):
    """Invalid forecast input; ``problems`` lists every (field path, message) found."""

    def __init__(self, problems: list[tuple[str, Message]]) -> None:
        """Keep all problems and summarise them in English as the exception text."""
        self.problems = problems
        super().__init__("; ".join(f"{path}: {message}" for path, message in problems))


_Problems = list[tuple[str, Message]]


# -- inputs and results ----------------------------------------------------------------------


@dataclass(frozen=True)
class OpenDeal:
    """An open deal: its amount and the probability it is won within the period."""

    amount: Decimal
    win_probability: float


@dataclass(frozen=True)
class NewBusiness:
    """Deals not yet in the pipeline: a Poisson number of them at the mean deal value."""

    expected_deals: float
    deal_value: Decimal


class ForecastMethod(StrEnum):
    """How the distribution is computed; AUTO picks the exact enumeration when it is small."""

    AUTO = "auto"
    ENUMERATION = "enumeration"
    CHARACTERISTIC_FUNCTION = "characteristic_function"


@dataclass(frozen=True)
class CdfPoint:
    """P(total ≤ amount)."""

    amount: Decimal
    probability: float


@dataclass(frozen=True)
class AttainmentForecast:
    """The distribution of a node's total: quantiles, moments, P(total ≥ target), CDF points."""

    closed: Decimal
    target: Decimal
    mean: Decimal
    std: Decimal
    p10: Decimal
    p50: Decimal
    p90: Decimal
    probability_of_target: float
    cdf: tuple[CdfPoint, ...]
    method: ForecastMethod
    lattice_unit: Decimal
    error_bound: float | None


# -- validation ------------------------------------------------------------------------------


def _money(value: object, path: str, problems: _Problems, *, negative: bool) -> Decimal | None:
    """``value`` to the cent, or None after recording why it is not an amount."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        problems.append(
            (
                path,
                Message(
                    gettext_noop("must be a decimal number or an integer, not %(type)s"),
                    {"type": type(value).__name__},
                ),
            )
        )
        return None
    try:
        amount = to_money(value)
    except MoneyError:
        problems.append((path, Message(gettext_noop("must be a finite number"))))
        return None
    if not negative and amount < 0:
        problems.append((path, Message(gettext_noop("must not be negative"))))
        return None
    if abs(amount) * 100 >= _MAX_CENTS:
        problems.append((path, Message(gettext_noop("is too large to forecast"))))
        return None
    return amount


def _probability(value: object, path: str, problems: _Problems) -> float | None:
    """A finite float in [0, 1]."""
    if isinstance(value, bool) or not isinstance(value, float | int):
        problems.append((path, Message(gettext_noop("must be a probability between 0 and 1"))))
        return None
    number = float(value)
    if not (math.isfinite(number) and 0.0 <= number <= 1.0):
        problems.append((path, Message(gettext_noop("must be a probability between 0 and 1"))))
        return None
    return number


def _cents(amount: Decimal) -> int:
    """A validated amount (already to the cent) as an integer number of cents."""
    return int(amount.scaleb(2))


# -- the distribution ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Atoms:
    """A finite distribution: sorted distinct totals (lattice units) and their probabilities."""

    values: IntArray
    probabilities: FloatArray

    def cdf(self, points: IntArray) -> FloatArray:
        """P(X ≤ point) for each point."""
        cumulative = np.concatenate(([0.0], np.cumsum(self.probabilities)))
        index = np.searchsorted(self.values, points, side="right")
        result: FloatArray = np.minimum(cumulative[index], 1.0)
        return result


def _enumerate(
    units: IntArray, probabilities: FloatArray, poisson: tuple[int, float] | None, limit: int
) -> _Atoms | None:
    """The exact distribution of Σ units_i·B_i (+ unit·Poisson), or None past ``limit`` atoms.

    Dense (one cell per lattice point) when the span is small, else sparse: each deal
    doubles the list of totals and equal totals are merged, so a lattice-friendly pipeline
    (many equal or round amounts) stays small however many deals it has.
    """
    poisson_pmf = _poisson_pmf(poisson[1]) if poisson is not None else None
    poisson_span = (len(poisson_pmf) - 1) * poisson[0] if poisson and poisson_pmf is not None else 0
    span = int(units.sum()) + poisson_span
    if span + 1 <= _DENSE_CELLS and (span + 1) * (len(units) + 1) <= _DENSE_WORK:
        return _enumerate_dense(units, probabilities, poisson, poisson_pmf, span)
    values = np.zeros(1, dtype=np.int64)
    masses = np.ones(1)
    steps: Iterable[tuple[int, FloatArray]] = zip(
        units.tolist(), np.stack([1.0 - probabilities, probabilities], axis=1), strict=True
    )
    if poisson is not None and poisson_pmf is not None:
        steps = chain(steps, [(poisson[0], poisson_pmf)])
    for unit, pmf in steps:
        shifted = np.concatenate([values + unit * k for k in range(len(pmf))])
        weighted = np.concatenate([masses * mass for mass in pmf])
        # Each block is sorted, so the stable sort (timsort) only merges runs.
        order = np.argsort(shifted, kind="stable")
        shifted, weighted = shifted[order], weighted[order]
        starts = np.flatnonzero(np.concatenate(([True], shifted[1:] != shifted[:-1])))
        values, masses = shifted[starts], np.add.reduceat(weighted, starts)
        if len(values) > limit:
            return None
    return _Atoms(values, masses)


def _enumerate_dense(
    units: IntArray,
    probabilities: FloatArray,
    poisson: tuple[int, float] | None,
    poisson_pmf: FloatArray | None,
    span: int,
) -> _Atoms:
    """Exact distribution on a dense lattice: each deal shifts a copy of the vector."""
    cells = np.zeros(span + 1)
    cells[0] = 1.0
    top = 0  # the highest total reachable so far: work stays proportional to it
    for unit, p in zip(units.tolist(), probabilities.tolist(), strict=True):
        won = cells[: top + 1] * p
        cells[: top + 1] *= 1.0 - p
        cells[unit : unit + top + 1] += won
        top += unit
    if poisson is not None and poisson_pmf is not None:
        base = cells[: top + 1].copy()
        cells[: top + 1] = 0.0
        for count, mass in enumerate(poisson_pmf.tolist()):
            start = count * poisson[0]
            cells[start : start + top + 1] += base * mass
    values = np.flatnonzero(cells).astype(np.int64)
    return _Atoms(values, cells[values])


def _poisson_pmf(mean: float) -> FloatArray:
    """P(N = k) for k = 0 … K, K the first count past which the tail is below _POISSON_TAIL."""
    masses: list[float] = []
    count = 0
    while True:
        mass = math.exp(-mean + count * math.log(mean) - math.lgamma(count + 1)) if mean else 0.0
        masses.append(1.0 if mean == 0 and count == 0 else mass)
        # For k ≥ λ the terms fall at least geometrically with ratio λ/(k+1), so the tail
        # after k is below mass · r / (1 − r).
        ratio = mean / (count + 1)
        if count + 1 > mean and mass * ratio / (1 - ratio) < _POISSON_TAIL:
            return np.array(masses)
        count += 1


@dataclass(frozen=True)
class _Inversion:
    """The smooth part of the total, held by its characteristic function on a frequency grid.

    Y = X − start is taken as an integer on the circle of ``size`` lattice points (the window
    holds all but ALIAS_TOLERANCE of the mass), ``psi[j−1]`` = E exp(iθ_j·Y) at θ_j = 2πj/size.
    """

    start: int
    size: int
    psi: ComplexArray
    error_bound: float | None

    def cdf(self, points: IntArray) -> FloatArray:
        """P(X ≤ point) for each point by the lattice inversion formula (see module docs)."""
        offsets = points - self.start
        inside = (offsets >= 0) & (offsets < self.size - 1)
        result = np.where(offsets < 0, 0.0, 1.0)
        if not inside.any():
            return result
        y = offsets[inside].astype(np.float64)
        size = float(self.size)
        nu = np.arange(1, len(self.psi) + 1, dtype=np.float64)
        # Dirichlet sum Σ_{y'≤y} e^{−iθy'} = e^{−iθy/2}·sin(θ(y+1)/2)/sin(θ/2), with θ/2 = πj/size.
        weights = 2.0 / (size * np.sin(np.pi * nu / size))
        if 2 * len(self.psi) == self.size:  # the Nyquist term j = size/2 is real and not paired
            weights[-1] /= 2.0
        half = np.pi * np.outer(y / size, nu)
        half_next = np.pi * np.outer((y + 1.0) / size, nu)
        terms = self.psi.real * np.cos(half) + self.psi.imag * np.sin(half)
        values = (y + 1.0) / size + (terms * np.sin(half_next)) @ weights
        result[inside] = np.clip(values, 0.0, 1.0)
        return result


@dataclass(frozen=True)
class _Mixture:
    """Whales enumerated exactly, convolved with the smooth rest: F(x) = Σ_w P_w·F_rest(x − s_w)."""

    whales: _Atoms
    rest: _Inversion

    def cdf(self, points: IntArray) -> FloatArray:
        """P(X ≤ point) for each point."""
        shifted = points[:, None] - self.whales.values[None, :]
        inner = self.rest.cdf(shifted.ravel()).reshape(shifted.shape)
        result: FloatArray = np.clip(inner @ self.whales.probabilities, 0.0, 1.0)
        return result


_Distribution = _Atoms | _Mixture


def _invert(
    units: IntArray, probabilities: FloatArray, poisson: tuple[int, float] | None
) -> _Inversion:
    """The characteristic function of Σ units_i·B_i (+ unit·Poisson) on the inversion grid."""
    unit_f = units.astype(np.float64)
    variances = unit_f**2 * probabilities * (1.0 - probabilities)
    mean = float(np.dot(unit_f, probabilities))
    variance = float(variances.sum())
    largest = float(unit_f.max()) if len(units) else 0.0
    if poisson is not None:
        mean += poisson[0] * poisson[1]
        variance += poisson[0] ** 2 * poisson[1]
        largest = max(largest, float(poisson[0]))
    # Bernstein: P(|Y − μ| ≥ u) ≤ 2·exp(−u² / (2(σ² + A·u/3))) for summands whose centred
    # values are bounded by A (a·max(p, 1−p) ≤ a; for v·Poisson(λ), the limit of binomials).
    log_term = math.log(2.0 / ALIAS_TOLERANCE)
    linear = largest * log_term / 3.0
    reach = linear + math.sqrt(linear**2 + 2.0 * log_term * variance)
    low = max(0, math.floor(mean - reach))
    high = math.ceil(mean + reach)
    if poisson is None:
        high = min(high, int(units.sum()))  # the total cannot exceed every deal won
    size = high - low + 1
    order = np.argsort(units, kind="stable")
    count, truncation = _frequencies(units[order], variances[order], poisson, size)
    psi = _characteristic(unit_f, probabilities, poisson, size, count, mean - low)
    if truncation is None:
        return _Inversion(low, size, psi, None)
    # Float rounding: each of the n phases is off by ≤ 2⁻⁵² of its angle (≤ θ_max·a_max + π),
    # and the inversion sums count terms weighted by 1/j (≤ 1 + ln count).
    angle = 2.0 * math.pi * count / size * largest + math.pi
    rounding = (len(units) + count) * 2.0**-52 * angle * (1.0 + math.log(count))
    return _Inversion(low, size, psi, ALIAS_TOLERANCE + truncation + rounding)


def _frequencies(
    sorted_units: IntArray,
    sorted_variances: FloatArray,
    poisson: tuple[int, float] | None,
    size: int,
) -> tuple[int, float | None]:
    """How many frequencies θ_j = 2πj/size the inversion needs, and the truncation bound.

    For a deal with θ·a ≤ π, |1 − p + p·e^{iθa}|² = 1 − 2p(1−p)(1 − cos θa) and
    1 − cos φ ≥ 2φ²/π² on [0, π], so |ψ(θ)| ≤ exp(−(2/π²)·θ²·V(θ)), V(θ) the variance of the
    deals with θ·a ≤ π. The frequencies past j contribute at most Σ_{j'>j} |ψ(θ_j')|/j', and
    on each octave [θ, 2θ] that sum is at most 2·max |ψ|. The bound is summed over octaves up
    to the ceiling π/a_k, the frequency where the envelope proves the most decay; beyond it the
    inversion assumes ψ stays negligible, which is only plausible when the envelope itself is
    below TRUNCATION_TOLERANCE at the ceiling. If it is not (a lumpy pipeline: few deals, or
    tiny win probabilities), every frequency up to _MAX_FREQUENCIES is used and no bound is
    returned.
    """
    half = size // 2
    units_f = sorted_units.astype(np.float64)
    variances = sorted_variances
    if poisson is not None:
        # The Poisson term damps like a deal of its unit: |exp(λ(e^{iφ} − 1))| = e^{−λ(1−cos φ)}.
        position = int(np.searchsorted(units_f, poisson[0]))
        units_f = np.insert(units_f, position, float(poisson[0]))
        variances = np.insert(variances, position, poisson[0] ** 2 * poisson[1])
    cumulative = np.concatenate(([0.0], np.cumsum(variances)))
    # At θ = π/a_k the deals up to the k-th smallest all damp: the envelope there is
    # exp(−2·Σ_{i≤k} a_i²p_i(1−p_i) / a_k²). The ceiling is the θ where that proves most.
    proof = cumulative[1:] / units_f**2
    ceiling = min(math.pi, math.pi / float(units_f[int(np.argmax(proof))]))

    def envelope(theta: float, damping_at: float) -> float:
        """The bound on |ψ| at ``theta`` from the deals that still damp at ``damping_at``."""
        reach = int(np.searchsorted(units_f, math.pi / damping_at, side="right"))
        return math.exp(-(2.0 / math.pi**2) * theta**2 * float(cumulative[reach]))

    def tail(count: int) -> float:
        theta = 2.0 * math.pi * (count + 1) / size
        total = 0.0
        while theta < ceiling:
            total += 2.0 * envelope(theta, min(2.0 * theta, ceiling))
            theta *= 2.0
        return total

    # At the ceiling itself the bound is taken without the quadratic relaxation, deal by deal:
    # |ψ(θ)|² = Π (1 − 2p(1−p)(1 − cos θa)) ≤ exp(−2·Σ p(1−p)(1 − cos θa)).
    damping = units_f <= math.pi / ceiling
    weights = variances[damping] / units_f[damping] ** 2  # p(1−p), Poisson: λ
    exact = math.exp(-float(np.dot(weights, 1.0 - np.cos(ceiling * units_f[damping]))))
    if 2.0 * exact > TRUNCATION_TOLERANCE:
        return min(half, _MAX_FREQUENCIES), (0.0 if half <= _MAX_FREQUENCIES else None)
    count = 1
    while count < half and tail(count) > TRUNCATION_TOLERANCE:
        count *= 2
    if count >= half:
        return half, 0.0
    low = count // 2
    while low + 1 < count:  # the smallest count that passes, between low (fails) and count
        middle = (low + count) // 2
        if tail(middle) > TRUNCATION_TOLERANCE:
            low = middle
        else:
            count = middle
    return count, tail(count)


def _characteristic(
    units: FloatArray,
    probabilities: FloatArray,
    poisson: tuple[int, float] | None,
    size: int,
    count: int,
    centre: float,
) -> ComplexArray:
    """E exp(iθ_j·(X − start)) for j = 1 … count, from Π_i (1 − p_i + p_i·e^{iθ·a_i})."""
    theta = 2.0 * np.pi * np.arange(1, count + 1, dtype=np.float64) / size
    log_psi = np.zeros(count, dtype=np.complex128)
    block = max(1, _BLOCK_CELLS // max(count, 1))
    # Each factor is centred (e^{−iθ·a·p}) so the summed phases stay small for small deals;
    # log|z|² = log1p(−4p(1−p)·sin²(φ/2)) keeps its precision for small angles.
    with np.errstate(divide="ignore"):
        for first in range(0, len(units), block):
            unit = units[first : first + block, None]
            p = probabilities[first : first + block, None]
            angle = unit * theta[None, :]
            sin_half = np.sin(0.5 * angle)
            cos_half = np.cos(0.5 * angle)
            modulus = 0.5 * np.log1p(-4.0 * p * (1.0 - p) * sin_half**2)
            phase = np.arctan2(2.0 * p * sin_half * cos_half, 1.0 - 2.0 * p * sin_half**2)
            log_psi += modulus.sum(axis=0) + 1j * (phase - p * angle).sum(axis=0)
    if poisson is not None:
        angle = poisson[0] * theta
        log_psi += poisson[1] * ((np.cos(angle) - 1.0) + 1j * (np.sin(angle) - angle))
    result: ComplexArray = np.exp(log_psi + 1j * theta * centre)
    return result


# -- forecast --------------------------------------------------------------------------------


def attainment_distribution(
    *,
    closed: Decimal,
    deals: Sequence[OpenDeal],
    new_business: NewBusiness | None,
    target: Decimal,
    cdf_points: Sequence[Decimal] = (),
    method: ForecastMethod = ForecastMethod.AUTO,
) -> AttainmentForecast:
    """The distribution of closed + Σ a_i·Bernoulli(p_i) + v·Poisson(λ), computed exactly.

    Method. Amounts are whole cents; every random amount is a multiple of their greatest
    common divisor g (the ``lattice_unit``), so the random part X is an integer count of g.
    Two ways to get its distribution, both without sampling:

    * Enumeration: every distinct total with its probability, equal totals merged (a
      dense vector when the span in units of g is small). Exact up to float rounding:
      each probability carries a relative error ≤ n·2⁻⁵³; a quantile is exact on the
      lattice (the smallest total whose cumulative probability reaches q, within
      QUANTILE_SLACK for ties). Used by AUTO while at most ATOM_LIMIT totals arise.
    * Characteristic function: the WHALES largest deals are enumerated as above; for the
      rest, ψ(θ) = Π_i (1 − p_i + p_i·e^{iθa_i}) · exp(λ(e^{iθv} − 1)) is evaluated on
      θ_j = 2πj/M (numpy, in blocks of deals) and inverted on a window of M lattice points
      by the exact lattice formula::

          P(Y ≤ y) = (y+1)/M + (2/M)·Σ_j Re[ψ(θ_j)·e^{−iθ_j·y/2}]·sin(θ_j(y+1)/2)/sin(θ_j/2)

      (the discrete Gil-Pelaez formula: the DFT of the pmf summed over y' ≤ y). It is
      exact for the distribution wrapped onto the window; the window is centred on the
      mean and wide enough by Bernstein's inequality that the wrapped mass is below
      ALIAS_TOLERANCE. The sum over j is truncated where the bound
      |ψ(θ)| ≤ exp(−(2/π²)·θ²·Σ_{θa_i≤π} a_i²p_i(1−p_i)) puts the omitted terms (each
      ≤ |ψ(θ_j)|/j) below TRUNCATION_TOLERANCE. The whales are then mixed back in:
      F(x) = Σ_w P(w)·F_rest(x − s_w).

    Error bound (characteristic function), reported as ``error_bound``: |error| ≤
    ALIAS_TOLERANCE + the computed truncation bound (≤ TRUNCATION_TOLERANCE) + float
    rounding (a worst case of n·2⁻⁵² times the largest phase; ≈ 6e-10 for 100,000 deals,
    ~1e-12 in practice), for every probability reported — provided ψ stays negligible
    above the ceiling frequency π/a_k where the envelope proves the most decay (checked
    there exactly; past it no cheap bound exists). That holds unless the amounts nearly
    share a common unit u other than g (all but a few a multiple of 1,000, say): the exact
    common unit g is handled by the lattice, a near-common unit leaves a staircase of
    steps of about u/sd that the inversion smooths. When the envelope is not small at the
    ceiling (few deals, or tiny win probabilities: a lumpy total) no bound is claimed and
    ``error_bound`` is None. Enumeration has no such caveat (its bound is float rounding,
    ~1e-13), and AUTO uses it whenever the totals stay few.

    P10/P50/P90 are the smallest lattice totals whose cumulative probability reaches
    0.1/0.5/0.9; P(total ≥ target) includes the target; ``cdf`` gives P(total ≤ x) at
    each requested point; the mean is exact to the cent (Decimal), the std to the cent.
    """
    problems: _Problems = []
    closed_amount = _money(closed, "closed", problems, negative=True)
    target_amount = _money(target, "target", problems, negative=True)
    points = [
        _money(p, f"cdf_points[{i}]", problems, negative=True) for i, p in enumerate(cdf_points)
    ]
    amounts: list[int] = []
    chances: list[float] = []
    fixed_cents = 0
    exact_mean = Decimal(0)
    with localcontext() as context:
        context.prec = _DECIMAL_DIGITS
        for index, deal in enumerate(deals):
            given, given_chance = deal.amount, deal.win_probability
            amount: Decimal | None
            chance: float | None
            # The common case checked inline: 100,000 calls to the validators cost 0.3 s.
            if (
                type(given) is Decimal
                and type(given_chance) is float
                and 0.0 <= given_chance <= 1.0
                and given.is_finite()
                and 0 <= given < _MAX_MONEY
            ):
                amount, chance = given.quantize(CENT, rounding=ROUND_HALF_UP), given_chance
            else:
                amount = _money(given, f"deals[{index}].amount", problems, negative=False)
                chance = _probability(given_chance, f"deals[{index}].win_probability", problems)
            if amount is None or chance is None:
                continue
            exact_mean += amount * Decimal(chance)
            if chance == 1.0:
                fixed_cents += _cents(amount)
            elif chance > 0.0 and amount > 0:
                amounts.append(_cents(amount))
                chances.append(chance)
        poisson: tuple[int, float] | None = None
        if new_business is not None:
            value = _money(
                new_business.deal_value, "new_business.deal_value", problems, negative=False
            )
            expected = _probability_like_count(new_business.expected_deals, problems)
            if value is not None and expected is not None:
                exact_mean += value * Decimal(expected)
                if value > 0 and expected > 0:
                    poisson = (_cents(value), expected)
        if problems:
            raise ForecastError(problems)
        assert closed_amount is not None  # noqa: S101 - validated above
        assert target_amount is not None  # noqa: S101 - validated above
        exact_mean += closed_amount
    if fixed_cents + sum(amounts) + (poisson[0] if poisson else 0) >= _MAX_CENTS:
        raise ForecastError([("deals", Message(gettext_noop("is too large to forecast")))])

    unit = math.gcd(*amounts, poisson[0] if poisson else 0) or 1
    lattice = np.array(amounts, dtype=np.int64) // unit
    chance_array = np.array(chances, dtype=np.float64)
    lattice_poisson = (poisson[0] // unit, poisson[1]) if poisson is not None else None
    distribution, used = _distribution(lattice, chance_array, lattice_poisson, method)

    base_cents = _cents(closed_amount) + fixed_cents

    def index_at_most(cents: int) -> int:
        """The largest lattice index whose total is ≤ ``cents``."""
        return (cents - base_cents) // unit

    def money_of(index: int) -> Decimal:
        return Decimal(base_cents + index * unit).scaleb(-2)

    below_target = distribution.cdf(
        np.array([index_at_most(_cents(target_amount) - 1)], dtype=np.int64)
    )
    cdf = distribution.cdf(
        np.array([index_at_most(_cents(p)) for p in points if p is not None], dtype=np.int64)
    )
    quantiles = _quantiles(distribution, _QUANTILES)
    variance = float(np.dot(lattice.astype(np.float64) ** 2, chance_array * (1.0 - chance_array)))
    if lattice_poisson is not None:
        variance += lattice_poisson[0] ** 2 * lattice_poisson[1]
    std = Decimal(repr(math.sqrt(variance) * unit)).scaleb(-2)
    return AttainmentForecast(
        closed=closed_amount,
        target=target_amount,
        mean=exact_mean.quantize(CENT, rounding=ROUND_HALF_UP),
        std=to_money(std),
        p10=money_of(quantiles[0]),
        p50=money_of(quantiles[1]),
        p90=money_of(quantiles[2]),
        probability_of_target=float(min(1.0, max(0.0, 1.0 - below_target[0]))),
        cdf=tuple(
            CdfPoint(p, float(c))
            for p, c in zip([p for p in points if p is not None], cdf, strict=True)
        ),
        method=used,
        lattice_unit=Decimal(unit).scaleb(-2),
        error_bound=_error_bound(distribution),
    )


def _error_bound(distribution: _Distribution) -> float | None:
    """A bound on the absolute error of every probability reported (None: not certified)."""
    if isinstance(distribution, _Atoms):
        # Each atom is a product of n factors and the CDF a sum of atoms: relative rounding
        # ≤ n·2⁻⁵³ per atom, ≤ atoms·2⁻⁵³ for the running sum; plus the Poisson tail cut.
        return (len(distribution.values) + 64) * 2.0**-52 + _POISSON_TAIL
    return distribution.rest.error_bound


def _probability_like_count(value: object, problems: _Problems) -> float | None:
    """The expected number of new deals: a finite float ≥ 0."""
    path = "new_business.expected_deals"
    if isinstance(value, bool) or not isinstance(value, float | int):
        problems.append((path, Message(gettext_noop("must be a finite number"))))
        return None
    number = float(value)
    if not math.isfinite(number):
        problems.append((path, Message(gettext_noop("must be a finite number"))))
        return None
    if number < 0:
        problems.append((path, Message(gettext_noop("must not be negative"))))
        return None
    return number


def _distribution(
    units: IntArray,
    probabilities: FloatArray,
    poisson: tuple[int, float] | None,
    method: ForecastMethod,
) -> tuple[_Distribution, ForecastMethod]:
    """The distribution of the random part by the requested (or the cheaper exact) method."""
    if method is not ForecastMethod.CHARACTERISTIC_FUNCTION:
        limit = ATOM_LIMIT if method is ForecastMethod.AUTO else _ENUMERATION_CEILING
        atoms = _enumerate(units, probabilities, poisson, limit)
        if atoms is not None:
            return atoms, ForecastMethod.ENUMERATION
        if method is ForecastMethod.ENUMERATION:
            raise ForecastError(
                [("deals", Message(gettext_noop("have too many distinct totals to enumerate")))]
            )
    order = np.argsort(units, kind="stable")
    whales, rest = order[len(order) - WHALES :], order[: max(0, len(order) - WHALES)]
    if len(rest) == 0 and poisson is None:
        atoms = _enumerate(units, probabilities, None, _MAX_CENTS)
        assert atoms is not None  # noqa: S101 - no limit, so enumeration always completes
        return atoms, ForecastMethod.CHARACTERISTIC_FUNCTION
    whale_atoms = _enumerate(units[whales], probabilities[whales], None, _MAX_CENTS)
    assert whale_atoms is not None  # noqa: S101 - no limit, so enumeration always completes
    smooth = _invert(units[rest], probabilities[rest], poisson)
    return _Mixture(whale_atoms, smooth), ForecastMethod.CHARACTERISTIC_FUNCTION


def _quantiles(distribution: _Distribution, levels: Sequence[float]) -> list[int]:
    """For each level q, the smallest lattice index whose cumulative probability reaches q."""
    if isinstance(distribution, _Atoms):
        cumulative = np.cumsum(distribution.probabilities)
        found = np.searchsorted(cumulative, np.array(levels) - QUANTILE_SLACK, side="left")
        found = np.minimum(found, len(cumulative) - 1)
        return [int(distribution.values[i]) for i in found]
    rest = distribution.rest
    whales = distribution.whales.values
    low = np.full(len(levels), rest.start + int(whales.min()) - 1, dtype=np.int64)  # F < q
    high = np.full(len(levels), rest.start + rest.size + int(whales.max()), dtype=np.int64)
    goal = np.array(levels) - QUANTILE_SLACK
    while np.any(high - low > 1):  # bisection: F(low) < q ≤ F(high), all levels at once
        middle = (low + high) // 2
        reached = distribution.cdf(middle) >= goal
        high = np.where(reached, middle, high)
        low = np.where(reached, low, middle)
    return [int(h) for h in high]


# -- calibration -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ClosedDealObservation:
    """A deal that closed (won or lost), seen at a stage when it was ``age_days`` old."""

    stage: str
    age_days: int
    won: bool


@dataclass(frozen=True)
class AgeBinRate:
    """The shrunk win rate for deals of one stage aged [lower, upper) days (upper None: open)."""

    lower: int
    upper: int | None
    count: int
    wins: int
    probability: float


@dataclass(frozen=True)
class StageWinRates:
    """A stage's shrunk overall win rate and its rates by age bin."""

    stage: str
    count: int
    wins: int
    probability: float
    bins: tuple[AgeBinRate, ...]


@dataclass(frozen=True)
class WinRateModel:
    """Win probability by stage and deal age, calibrated from closed history."""

    prior: float
    age_bins: tuple[int, ...]
    stages: tuple[StageWinRates, ...]

    def probability(self, stage: str, age_days: int) -> float:
        """The calibrated win probability; an unseen stage gets the overall (prior) rate."""
        for rates in self.stages:
            if rates.stage == stage:
                index = max(0, bisect_right(self.age_bins, age_days) - 1)
                return rates.bins[index].probability
        return self.prior


def calibrate_win_rates(
    history: Sequence[ClosedDealObservation],
    *,
    age_bins: Sequence[int] = DEFAULT_AGE_BINS,
    prior_strength: float = DEFAULT_PRIOR_STRENGTH,
) -> WinRateModel:
    """Win rates by stage and age bin, each shrunk by a Beta prior towards its parent's rate.

    Three levels, each the posterior mean under a Beta prior centred on the level above:

        overall = (wins + 1) / (n + 2)                                (Laplace: Beta(1, 1))
        stage   = (wins_s + m·overall) / (n_s + m)
        bin     = (wins_b + m·stage)   / (n_b + m)                    m = prior_strength

    so a bin with few deals stays near its stage's rate, a large bin speaks for itself, and
    no rate is ever exactly 0 or 1. ``age_bins`` are the lower edges in days, starting at 0.
    """
    problems: _Problems = []
    bins = tuple(age_bins)
    if not bins or bins[0] != 0 or any(b <= a for a, b in pairwise(bins)):
        problems.append(("age_bins", Message(gettext_noop("must start at 0 and increase"))))
    if isinstance(prior_strength, bool) or not (
        isinstance(prior_strength, float | int)
        and math.isfinite(prior_strength)
        and prior_strength > 0
    ):
        problems.append(("prior_strength", Message(gettext_noop("must be positive"))))
    for index, item in enumerate(history):
        if (
            isinstance(item.age_days, bool)
            or not isinstance(item.age_days, int)
            or item.age_days < 0
        ):
            problems.append(
                (f"history[{index}].age_days", Message(gettext_noop("must be a whole number ≥ 0")))
            )
    if problems:
        raise ForecastError(problems)
    strength = float(prior_strength)
    wins_total = sum(1 for item in history if item.won)
    overall = (wins_total + 1.0) / (len(history) + 2.0)
    counts: dict[str, list[list[int]]] = {}
    for item in history:
        cells = counts.setdefault(item.stage, [[0, 0] for _ in bins])
        cell = cells[bisect_right(bins, item.age_days) - 1]
        cell[0] += 1
        cell[1] += int(item.won)
    stages = []
    for stage in sorted(counts):
        cells = counts[stage]
        count = sum(c[0] for c in cells)
        wins = sum(c[1] for c in cells)
        stage_rate = (wins + strength * overall) / (count + strength)
        stages.append(
            StageWinRates(
                stage=stage,
                count=count,
                wins=wins,
                probability=stage_rate,
                bins=tuple(
                    AgeBinRate(
                        lower=bins[i],
                        upper=bins[i + 1] if i + 1 < len(bins) else None,
                        count=n,
                        wins=w,
                        probability=(w + strength * stage_rate) / (n + strength),
                    )
                    for i, (n, w) in enumerate(cells)
                ),
            )
        )
    return WinRateModel(prior=overall, age_bins=bins, stages=tuple(stages))


# -- back-test -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReliabilityBin:
    """Predictions in [lower, upper) (the last bin includes 1): how often they came true."""

    lower: float
    upper: float
    count: int
    mean_predicted: float | None
    observed_rate: float | None


@dataclass(frozen=True)
class Calibration:
    """Back-test of probability predictions: Brier score and reliability by decile."""

    brier: float
    reliability: tuple[ReliabilityBin, ...]


def backtest(predictions: Sequence[float], outcomes: Sequence[bool]) -> Calibration:
    """Brier score (mean squared error of the probabilities) and a reliability table.

    Deciles are fixed-width bins of the predicted probability, [0, 0.1) … [0.9, 1.0]; an
    empty bin is listed with count 0 and no rates, so every table has ten rows.
    """
    problems: _Problems = []
    if len(predictions) != len(outcomes):
        problems.append(
            ("outcomes", Message(gettext_noop("must match the predictions one to one")))
        )
    if not predictions:
        problems.append(("predictions", Message(gettext_noop("must not be empty"))))
    for index, value in enumerate(predictions):
        _probability(value, f"predictions[{index}]", problems)
    if problems:
        raise ForecastError(problems)
    predicted = np.array(predictions, dtype=np.float64)
    observed = np.array(outcomes, dtype=np.float64)
    brier = float(np.mean((predicted - observed) ** 2))
    # Edges as floats k/10 (0.3 is the float 0.3): a prediction of exactly 0.3 opens bin 3.
    edges = np.array([index / _DECILES for index in range(_DECILES)])
    decile = np.searchsorted(edges, predicted, side="right") - 1
    rows = []
    for index in range(_DECILES):
        members = decile == index
        count = int(members.sum())
        rows.append(
            ReliabilityBin(
                lower=index / _DECILES,
                upper=(index + 1) / _DECILES,
                count=count,
                mean_predicted=float(predicted[members].mean()) if count else None,
                observed_rate=float(observed[members].mean()) if count else None,
            )
        )
    return Calibration(brier=brier, reliability=tuple(rows))
