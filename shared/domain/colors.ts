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
