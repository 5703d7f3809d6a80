export const COLORS = ['blue', 'green'] as const;
export type Color = (typeof COLORS)[number];

/** Percentage of production traffic per color; always sums to 100. */
export type Weights = Record<Color, number>;

export function otherColor(color: Color): Color {
  return color === 'blue' ? 'green' : 'blue';
}

/** Weights that send `newWeight` percent to `newColor` and the rest to the other color. */
export function weightsFor(newColor: Color, newWeight: number): Weights {
  const live = otherColor(newColor);
  return { [newColor]: newWeight, [live]: 100 - newWeight } as Weights;
}

/**
 * Load-balancer weights (ALB: 0–999 per target group) as percentages summing to 100. A color with
 * any weight keeps at least 1 % (and the other at most 99 %): 1/999 is a split, and rounding it
 * to 0/100 would let Prepare and the reconciler take a split listener for a settled one.
 */
export function percentWeights(raw: Weights): Weights {
  const sum = raw.blue + raw.green;
  if (!(sum > 0)) throw new RangeError(`weights: blue ${raw.blue} + green ${raw.green} must be above 0`);
  const rounded = Math.round((raw.blue / sum) * 100);
  const blue = raw.blue === 0 ? 0 : raw.green === 0 ? 100 : Math.min(99, Math.max(1, rounded));
  return { blue, green: 100 - blue };
}

/** The color receiving all traffic, or null when traffic is split. */
export function soleColor(weights: Weights): Color | null {
  if (weights.blue === 100 && weights.green === 0) return 'blue';
  if (weights.green === 100 && weights.blue === 0) return 'green';
  return null;
}

/** Why a weights pair is invalid, or null when it is valid. */
export function weightsProblem(weights: Weights): string | null {
  for (const color of COLORS) {
    const w = weights[color];
    if (!Number.isInteger(w) || w < 0 || w > 100)
      return `${color}: expected an integer from 0 to 100, got ${w}`;
  }
  if (weights.blue + weights.green !== 100) {
    return `blue + green must equal 100, got ${weights.blue} + ${weights.green} = ${weights.blue + weights.green}`;
  }
  return null;
}
