//! Sobol low-discrepancy points (Antonov-Saleev Gray-code order, 32 bits), with the direction
//! numbers of Joe & Kuo (2008, `new-joe-kuo-6.21201`, dimensions 2 to 40; the first
//! dimension is the van der Corput sequence). Point `i` is computed directly from `i`, so any
//! trial of a search can be drawn on its own, in any order, on any machine.

/// How many dimensions [`sobol_point`] supports (search parameters at most).
pub const SOBOL_MAX_DIMS: usize = 40;

/// `(s, a, m_1..m_s)` of dimensions 2.. (Joe & Kuo's degree, polynomial coefficients and
/// initial direction numbers).
const JOE_KUO: [(u32, u32, &[u32]); SOBOL_MAX_DIMS - 1] = [
    (1, 0, &[1]),
    (2, 1, &[1, 3]),
    (3, 1, &[1, 3, 1]),
    (3, 2, &[1, 1, 1]),
    (4, 1, &[1, 1, 3, 3]),
    (4, 4, &[1, 3, 5, 13]),
    (5, 2, &[1, 1, 5, 5, 17]),
    (5, 4, &[1, 1, 5, 5, 5]),
    (5, 7, &[1, 1, 7, 11, 19]),
    (5, 11, &[1, 1, 5, 1, 1]),
    (5, 13, &[1, 1, 1, 3, 11]),
    (5, 14, &[1, 3, 5, 5, 31]),
    (6, 1, &[1, 3, 3, 9, 7, 49]),
    (6, 13, &[1, 1, 1, 15, 21, 21]),
    (6, 16, &[1, 3, 1, 13, 27, 49]),
    (6, 19, &[1, 1, 1, 15, 7, 5]),
    (6, 22, &[1, 3, 1, 15, 13, 25]),
    (6, 25, &[1, 1, 5, 5, 19, 61]),
    (7, 1, &[1, 3, 7, 11, 23, 15, 103]),
    (7, 4, &[1, 3, 7, 13, 13, 15, 69]),
    (7, 7, &[1, 1, 3, 13, 7, 35, 63]),
    (7, 8, &[1, 3, 5, 9, 1, 25, 53]),
    (7, 14, &[1, 3, 1, 13, 9, 35, 107]),
    (7, 19, &[1, 3, 1, 5, 27, 61, 31]),
    (7, 21, &[1, 1, 5, 11, 19, 41, 61]),
    (7, 28, &[1, 3, 5, 3, 3, 13, 69]),
    (7, 31, &[1, 1, 7, 13, 1, 19, 1]),
    (7, 32, &[1, 3, 7, 5, 13, 19, 59]),
    (7, 37, &[1, 1, 3, 9, 25, 29, 41]),
    (7, 41, &[1, 3, 5, 13, 23, 1, 55]),
    (7, 42, &[1, 3, 7, 3, 13, 59, 17]),
    (7, 50, &[1, 3, 1, 3, 5, 53, 69]),
    (7, 55, &[1, 1, 5, 5, 23, 33, 13]),
    (7, 56, &[1, 1, 7, 7, 1, 61, 123]),
    (7, 59, &[1, 1, 7, 9, 13, 61, 49]),
    (7, 62, &[1, 3, 3, 5, 3, 55, 33]),
    (8, 14, &[1, 3, 1, 15, 31, 13, 49, 245]),
    (8, 21, &[1, 3, 5, 15, 31, 59, 63, 97]),
    (8, 22, &[1, 3, 1, 11, 11, 11, 77, 249]),
];

/// The 32 direction numbers of dimension `dim` (0-based), scaled to 32 bits.
fn directions(dim: usize) -> [u32; 32] {
    let mut v = [0u32; 32];
    if dim == 0 {
        for (j, x) in v.iter_mut().enumerate() {
            *x = 1 << (31 - j);
        }
        return v;
    }
    let (s, a, m) = JOE_KUO[dim - 1];
    let s = s as usize;
    for j in 0..32 {
        v[j] = if j < s {
            m[j] << (31 - j)
        } else {
            let mut x = v[j - s] ^ (v[j - s] >> s);
            for k in 1..s {
                if (a >> (s - 1 - k)) & 1 == 1 {
                    x ^= v[j - k];
                }
            }
            x
        };
    }
    v
}

/// The 32-bit integer coordinates of Sobol point `index` in `dims` dimensions (point 0 is the
/// origin), as the Gray-code recurrence produces them: the XOR of the direction numbers of
/// the bits set in `index ^ (index >> 1)`.
///
/// # Panics
/// Never for `dims <= SOBOL_MAX_DIMS` and `index < 2^32`; callers check both.
pub fn sobol_bits(index: u64, dims: usize) -> Vec<u32> {
    let gray = index ^ (index >> 1);
    (0..dims)
        .map(|d| {
            let v = directions(d);
            (0..32)
                .filter(|j| (gray >> j) & 1 == 1)
                .fold(0u32, |x, j| x ^ v[j])
        })
        .collect()
}

/// Sobol point `index` in `[0, 1)^dims` (unscrambled; point 0 is the origin, point 1 is
/// `(0.5, ..., 0.5)`).
pub fn sobol_point(index: u64, dims: usize) -> Vec<f64> {
    sobol_bits(index, dims)
        .into_iter()
        .map(|x| f64::from(x) / 4_294_967_296.0)
        .collect()
}
