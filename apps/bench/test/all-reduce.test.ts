import { averageInto, sharedGrads, shareOf } from '../src/all-reduce';

describe('shareOf', () => {
  it('splits the parameters into disjoint shares that cover them all', () => {
    expect([0, 1, 2].map((r) => shareOf(10, 3, r))).toEqual([[0, 4], [4, 8], [8, 10]]);
    expect(shareOf(1, 2, 1)).toEqual([1, 1]);
  });
});

describe('averageInto', () => {
  it('leaves the mean of every slot in slot 0 once each replica has done its share', () => {
    const shared = sharedGrads(5, 2);
    const all = new Float32Array(shared.buffer);
    all.set([1, 2, 3, 4, 5], 0);
    all.set([3, 2, 1, 0, -5], 5);
    for (let rank = 0; rank < 2; rank++) averageInto(shared, ...shareOf(5, 2, rank));
    expect([...all.subarray(0, 5)]).toEqual([2, 2, 2, 2, 0]);
  });
});
