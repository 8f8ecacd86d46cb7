import { expect } from 'chai';
import { humanDuration, printable, renderTable, secondsBetween } from '../../src/operator/format.js';

describe('operator output formatting', () => {
  it('writes durations in their two largest units', () => {
    const cases: Array<[number, string]> = [
      [0, '0s'],
      [59, '59s'],
      [60, '1m 00s'],
      [125, '2m 05s'],
      [3599, '59m 59s'],
      [3600, '1h 00m'],
      [7380, '2h 03m'],
      [86400, '1d 00h'],
      [3 * 86400 + 4 * 3600 + 59, '3d 04h'],
      [-5, '0s'],
      [12.9, '12s'],
    ];
    for (const [seconds, text] of cases) expect(humanDuration(seconds), String(seconds)).to.equal(text);
  });

  it('never counts negative seconds when the local clock is behind', () => {
    expect(secondsBetween(new Date('2026-01-01T00:00:10Z'), new Date('2026-01-01T00:00:00Z'))).to.equal(0);
    expect(secondsBetween(new Date('2026-01-01T00:00:00Z'), new Date('2026-01-01T00:01:30Z'))).to.equal(90);
  });

  it('aligns table columns and keeps rows on one line whatever the cells hold', () => {
    const text = renderTable(
      ['A', 'LONGER'],
      [
        ['x', '1'],
        ['wider cell', 'two\nlines\u001b[31m'],
      ],
    );
    const lines = text.split('\n');
    expect(lines).to.have.length(3);
    expect(lines[0]).to.equal('A           LONGER');
    expect(lines[1]).to.equal('x           1');
    expect(lines[2]).to.equal('wider cell  two?lines?[31m');
  });

  it('replaces every control character', () => {
    expect(printable('a\tb\rc\u0007d\u009be')).to.equal('a?b?c?d?e');
    expect(printable('plain text: ok/=+-@')).to.equal('plain text: ok/=+-@');
  });
});
