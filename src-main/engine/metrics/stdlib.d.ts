// The @stdlib functions the metrics use, declared here so the build does not depend on the
// package's bundled docs/types (reached through a non-standard path that some setups skip).
declare module '@stdlib/stats-base-dists-t-quantile' {
  /** Quantile function of Student's t distribution: the x with P(T ≤ x) = p for `v` degrees of freedom. */
  function quantile(p: number, v: number): number;
  export = quantile;
}

declare module '@stdlib/stats-base-dists-beta-quantile' {
  /** Quantile of the beta distribution with shapes alpha and beta at probability p. */
  function quantile(p: number, alpha: number, beta: number): number;
  export = quantile;
}
