/** The `file` state module. */
import type { StateModule } from '../types';
import { absent } from './file/absent';
import { directory } from './file/directory';
import { managed } from './file/managed';
import { symlink } from './file/symlink';

export const fileModule: StateModule = { name: 'file', functions: { managed, directory, absent, symlink } };
