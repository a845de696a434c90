/**
 * The two ways Salt 3006 turns high data into low chunks:
 *  - for a run (state.apply / sls / highstate) and show_lowstate, `call_high`: apply `extend`, verify, turn
 *    `_in` requisites into extends of their targets, apply `exclude`, compile;
 *  - for show_low_sls, verify and compile only: `extend`, `exclude` and `_in` are shown as written.
 */
import { RenderError, type LowChunk } from '@brine/core';
import { applyExclude, reconcileExtend } from './extend';
import { whereOf, type Body, type High } from './high';
import { compileHighData } from './lowstate';
import { requisiteIn } from './requisite-in';
import { verifyHigh } from './verify';

function extendMissing(name: string, body: Body): never {
  const w = whereOf(body);
  throw new RenderError(
    w.file,
    w.line,
    `extend: ID '${name}' is not defined in any SLS of this run (Salt: Cannot extend ID '${name}' in '${String(body['__env__'])}:${String(body['__sls__'])}'. It is not part of the high state; include the SLS that defines it, or fix the ID)`,
  );
}

export function compileForRun(high: High): LowChunk[] {
  reconcileExtend(high, extendMissing);
  verifyHigh(high);
  requisiteIn(high);
  applyExclude(high);
  return compileHighData(high, true);
}

export function compileForShow(high: High): LowChunk[] {
  verifyHigh(high);
  return compileHighData(high, false);
}
