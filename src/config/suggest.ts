/** "Did you mean" for configuration keys and rule ids, with the schema stage's notion of a likely typo. */
import { closestName } from "../schema/closest.js";

/** ` (did you mean "x"?)` when there is a close candidate, else "". */
export function didYouMean(name: string, candidates: Iterable<string>): string {
  const match = closestName(name, candidates);
  return match === undefined ? "" : ` (did you mean "${match}"?)`;
}
