import { InvalidArgumentError } from '@lmreg/common';
import { dartsParamCount, getSpace, nb101ParamCount, nb201ParamCount, parseDartsLikeGenotype, parseNb201, type Nb101Spec } from '@lmreg/spaces';

/** Result of {@link paramCountOf}. */
export interface ParamCountResult {
  readonly space: string;
  readonly params: number;
  /** The network setting the count is for, e.g. `C=16 N=5 classes=10`. */
  readonly setting: string;
}

/**
 * Parameter count of the stand-alone network of an architecture given as text in its space's
 * format, with the benchmark's default network settings unless overridden.
 */
export function paramCountOf(
  spaceName: string,
  text: string,
  o: { classes?: number; channels?: number; cells?: number; auxiliary?: boolean },
): ParamCountResult {
  const space = getSpace(spaceName);
  switch (space.name) {
    case 'nb201': {
      const channels = o.channels ?? 16;
      const cells = o.cells ?? 5;
      const classes = o.classes ?? 10;
      return {
        space: space.name,
        params: nb201ParamCount(parseNb201(text), { channels, cells, classes }),
        setting: `C=${channels} N=${cells} classes=${classes}`,
      };
    }
    case 'nb101': {
      const stem = o.channels ?? 128;
      const modulesPerStack = o.cells ?? 3;
      const classes = o.classes ?? 10;
      return {
        space: space.name,
        params: nb101ParamCount(space.parse(text) as Nb101Spec, { stem, modulesPerStack, classes }),
        setting: `stem=${stem} stacks=3 modules=${modulesPerStack} classes=${classes}`,
      };
    }
    case 'darts': {
      const channels = o.channels ?? 36;
      const layers = o.cells ?? 20;
      const classes = o.classes ?? 10;
      const auxiliary = o.auxiliary === true;
      return {
        space: space.name,
        params: dartsParamCount(parseDartsLikeGenotype(text), { channels, layers, classes, auxiliary }),
        setting: `C=${channels} layers=${layers} classes=${classes}${auxiliary ? ' with auxiliary head' : ''}`,
      };
    }
    default:
      throw new InvalidArgumentError(`lmreg params: no parameter count for space '${space.name}'; use nb201, nb101 or darts.`);
  }
}
