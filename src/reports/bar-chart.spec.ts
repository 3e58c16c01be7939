import { axisScale, barChart, textWidth } from './bar-chart';

describe('bar chart geometry', () => {
  it('picks round axis steps, whole ones for counts', () => {
    expect(axisScale(3, true)).toEqual({ top: 3, step: 1 });
    expect(axisScale(0, true)).toEqual({ top: 1, step: 1 });
    expect(axisScale(7, true)).toEqual({ top: 8, step: 2 });
    expect(axisScale(360, false)).toEqual({ top: 400, step: 100 });
    expect(axisScale(88.8, false)).toEqual({ top: 100, step: 25 });
    expect(axisScale(1234, true)).toEqual({ top: 1500, step: 500 });
  });

  it('draws bars in proportion, one per category and series, with their exact values', () => {
    const values: Record<string, Record<string, number>> = { a: { x: 3, y: 1 }, b: { x: 0, y: 2 } };
    const m = barChart({
      categories: [
        { key: 'a', label: '著作权' },
        { key: 'b', label: 'Accuracy' },
      ],
      series: [
        { key: 'x', label: 'X' },
        { key: 'y', label: 'Y' },
      ],
      value: (c, s) => values[c][s],
      orientation: 'horizontal',
      format: String,
      integer: true,
      width: 600,
    });
    expect(m.bars.map((b) => [b.category, b.series, b.value])).toEqual([
      ['a', 'x', 3],
      ['a', 'y', 1],
      ['b', 'x', 0],
      ['b', 'y', 2],
    ]);
    expect(m.bars[0].width).toBeCloseTo(m.plot.width, 0);
    expect(m.bars[0].width).toBeCloseTo(3 * m.bars[1].width, 0);
    expect(m.bars[2].width).toBe(0);
    expect(m.grid.map((g) => g.text)).toEqual(['0', '1', '2', '3']);
    expect(m.legend.map((l) => l.label)).toEqual(['X', 'Y']);
    expect(m.bars[0].title).toBe('著作权 · X: 3');
  });

  it('draws a time line as columns, labelling at most about ten of them', () => {
    const categories = Array.from({ length: 53 }, (_, i) => ({ key: `w${i}`, label: `W${i}` }));
    const m = barChart({
      categories,
      series: [{ key: 'n', label: 'n' }],
      value: (c) => Number(c.slice(1)),
      orientation: 'vertical',
      format: String,
      integer: true,
      width: 820,
    });
    expect(m.bars).toHaveLength(53);
    expect(m.labels.length).toBeLessThanOrEqual(10);
    expect(m.bars[52].y + m.bars[52].height).toBeCloseTo(m.plot.y + m.plot.height, 0);
    expect(m.bars.every((b) => b.x >= m.plot.x && b.x + b.width <= m.plot.x + m.plot.width + 1)).toBe(true);
  });

  it('counts CJK characters as a full em', () => {
    expect(textWidth('著作权')).toBe(36);
    expect(textWidth('abc')).toBeCloseTo(20.9, 1);
  });
});
