//! `exp` written with plain arithmetic so that the compiler vectorises the loops that call it
//! (the C library's `exp` is an opaque scalar call): Cody-Waite range reduction
//! `x = n ln 2 + r`, `|r| <= ln 2 / 2`, a degree-13 Taylor polynomial of `e^r` (truncation error
//! below 5e-18 relative), and `2^n` assembled in the exponent bits. Within 2 ulp of the correctly
//! rounded value on the range the conductance update uses (`tests` below); the same operations
//! on every target, so results do not depend on the CPU.

use lsm_core::Real;

const LOG2E: Real = std::f64::consts::LOG2_E;
/// ln 2 split so that `n · LN2_HI` is exact for |n| < 2^11.
const LN2_HI: Real = 6.931_471_803_691_238e-1;
const LN2_LO: Real = 1.908_214_929_270_587_7e-10;
/// 1.5 · 2^52: adding it rounds to an integer held in the low mantissa bits.
const SHIFT: Real = 6_755_399_441_055_744.0;

/// `e^x` for `x` in `[-700, 700]`; below (−∞ included), 0 (`e^{-700}` is 1e-304, far below
/// anything the membrane or a synapse resolves); above, +∞; NaN stays NaN.
#[inline(always)]
pub fn exp(x: Real) -> Real {
    let xc = x.clamp(-700.0, 700.0);
    let kf = xc * LOG2E + SHIFT;
    let n_bits = kf.to_bits().wrapping_sub(SHIFT.to_bits());
    let n = kf - SHIFT;
    let r = (xc - n * LN2_HI) - n * LN2_LO;
    // Horner, 1/k! for k = 13 down to 0.
    let mut p = 1.0 / 6_227_020_800.0;
    p = p * r + 1.0 / 479_001_600.0;
    p = p * r + 1.0 / 39_916_800.0;
    p = p * r + 1.0 / 3_628_800.0;
    p = p * r + 1.0 / 362_880.0;
    p = p * r + 1.0 / 40_320.0;
    p = p * r + 1.0 / 5_040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    let scale = Real::from_bits(n_bits.wrapping_add(1023) << 52);
    let y = p * scale;
    if x < -700.0 {
        0.0
    } else if x > 700.0 {
        Real::INFINITY
    } else {
        // NaN propagates through `p` (the clamp keeps it).
        y
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ulps(a: Real, b: Real) -> u64 {
        (a.to_bits() as i64 - b.to_bits() as i64).unsigned_abs()
    }

    #[test]
    fn within_two_ulp_of_libm_and_exact_at_the_edges() {
        let mut worst = 0;
        for k in 0..200_000 {
            let x = -60.0 + 70.0 * k as Real / 200_000.0;
            worst = worst.max(ulps(exp(x), x.exp()));
        }
        for k in 0..100_000 {
            let x = -1e-3 * k as Real / 100_000.0;
            worst = worst.max(ulps(exp(x), x.exp()));
        }
        assert!(worst <= 2, "worst {worst} ulp");
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(exp(-800.0), 0.0);
        assert_eq!(exp(Real::NEG_INFINITY), 0.0);
        assert_eq!(exp(800.0), Real::INFINITY);
        assert!(exp(Real::NAN).is_nan());
        assert!(ulps(exp(-700.0), (-700.0 as Real).exp()) <= 2);
        assert!(ulps(exp(700.0), (700.0 as Real).exp()) <= 2);
    }
}
