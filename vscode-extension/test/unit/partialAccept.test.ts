import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PartialAcceptParams, PartialAcceptTracker } from '../../src/partialAccept';

const uri = 'file:///w/app.py';
const at = (line: number, character: number) => ({ line, character });
const insert = (line: number, character: number, text: string) => ({ start: at(line, character), rangeLength: 0, text });

function tracker(): { tracker: PartialAcceptTracker; reports: PartialAcceptParams[] } {
  const reports: PartialAcceptParams[] = [];
  return { tracker: new PartialAcceptTracker((p) => reports.push(p)), reports };
}

describe('PartialAcceptTracker', () => {
  const item = { insertText: 'total = sum(items)\nreturn total' };

  it('reports accept-next-word insertions with the length accepted so far', () => {
    const { tracker: t, reports } = tracker();
    t.shown(uri, at(3, 4), [item]);
    t.changed(uri, insert(3, 4, 'total'));
    t.changed(uri, insert(3, 9, ' = '));
    assert.deepEqual(
      reports.map((r) => r.acceptedLength),
      [5, 8],
    );
    assert.equal(reports[0].item, item);
  });

  it('reports accept-next-line across the line break', () => {
    const { tracker: t, reports } = tracker();
    t.shown(uri, at(3, 4), [item]);
    t.changed(uri, insert(3, 4, 'total = sum(items)\n'));
    assert.deepEqual(reports.map((r) => r.acceptedLength), [19]);
    t.changed(uri, insert(4, 0, 'return'));
    assert.deepEqual(reports.map((r) => r.acceptedLength), [19, 25]);
  });

  it('does not report typing through the suggestion one character at a time, nor Tab accepting the whole rest', () => {
    const { tracker: t, reports } = tracker();
    t.shown(uri, at(3, 4), [item]);
    t.changed(uri, insert(3, 4, 't'));
    t.changed(uri, insert(3, 5, 'o'));
    t.changed(uri, insert(3, 6, item.insertText.slice(2)));
    assert.deepEqual(reports, []);
  });

  it('forgets the suggestion after an unrelated edit', () => {
    const { tracker: t, reports } = tracker();
    t.shown(uri, at(3, 4), [item]);
    t.changed(uri, insert(3, 4, 'xyz'));
    t.changed(uri, insert(3, 7, 'total'));
    t.changed('file:///w/other.py', insert(3, 4, 'total'));
    assert.deepEqual(reports, []);
  });

  it('finds which alternative is being accepted', () => {
    const { tracker: t, reports } = tracker();
    const other = { insertText: 'count = len(items)' };
    t.shown(uri, at(3, 4), [item, other]);
    t.changed(uri, insert(3, 4, 'count'));
    assert.equal(reports[0].item, other);
  });
});
