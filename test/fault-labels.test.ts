import { describe, expect, test } from '@jest/globals';
import { labelLanes } from '../src/report/chart-frame.js';

describe('fault labels never overlap', () => {
  test('each label takes the first lane it clears (4 px apart), or there is no layout', () => {
    // [0, 50] lane 0; [30, 80] overlaps it: lane 1; [54, 90] clears lane 0 (50 + 4 <= 54); [60, 70] lane 2
    expect(labelLanes([[0, 50], [30, 80], [54, 90], [60, 70]])).toEqual([0, 1, 0, 2]);
    const five: [number, number][] = [[0, 50], [1, 51], [2, 52], [3, 53], [4, 54]];
    expect(labelLanes(five)).toBeNull(); // five labels stacked on one spot: four lanes are not enough
  });
});
