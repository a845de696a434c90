/** The `file` state module. */
import type { StateModule } from '../types';
import { absent } from './file/absent';
import { accumulated } from './file/accumulated';
import { append } from './file/append';
import { blockreplace } from './file/blockreplace';
import { comment, uncomment } from './file/comment';
import { copy } from './file/copy';
import { keyvalue } from './file/keyvalue';
import { line } from './file/line';
import { rename } from './file/rename';
import { recurse } from './file/recurse';
import { prepend } from './file/prepend';
import { replace } from './file/replace';
import { directory } from './file/directory';
import { managed } from './file/managed';
import { serialize } from './file/serialize';
import { symlink } from './file/symlink';
import { touch } from './file/touch';
import { exists, missing } from './file/exists';

export const fileModule: StateModule = { name: 'file', functions: { managed, directory, absent, symlink, replace, line, blockreplace, append, copy, recurse, accumulated, serialize, touch, comment, uncomment, prepend, exists, missing, keyvalue, rename } };
