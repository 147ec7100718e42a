import { Injectable } from '@nestjs/common';
import { BadRequestError, UnprocessableError } from '../../common/errors/domain-error';
import { InstanceConfig } from '../../config/slices/instance.config';
import { applyValues, jsonDepth, JsonObject, ValuesStrategy } from './values-merge';

/** Deeper than any chart's values; bounds the recursion of merging and serializing them. */
export const MAX_VALUES_DEPTH = 64;

/** The size and depth rules of instance values (INSTANCE_VALUES_MAX_BYTES). */
@Injectable()
export class InstanceValues {
  constructor(private readonly config: InstanceConfig) {}

  /** Values as the client sent them (POST, PATCH bodies): 400 when too deep or too large. */
  checkGiven(values: JsonObject): JsonObject {
    if (jsonDepth(values) > MAX_VALUES_DEPTH) {
      throw new BadRequestError(
        'values_too_deep',
        `values are nested deeper than ${MAX_VALUES_DEPTH} levels`,
        [{ field: 'values', reason: `nested deeper than ${MAX_VALUES_DEPTH} levels` }],
      );
    }
    const size = this.sizeOf(values);
    if (size > this.config.INSTANCE_VALUES_MAX_BYTES) {
      throw new BadRequestError(
        'values_too_large',
        `values are ${size} bytes as JSON; at most ${this.config.INSTANCE_VALUES_MAX_BYTES} are accepted`,
        [{ field: 'values', reason: `larger than ${this.config.INSTANCE_VALUES_MAX_BYTES} bytes` }],
      );
    }
    return values;
  }

  /**
   * The values of an upgrade: the given ones combined with the current ones by `strategy`. A
   * result beyond the size limit is 422 (each part was acceptable, their merge is not).
   */
  combine(
    current: JsonObject,
    given: JsonObject | undefined,
    strategy: ValuesStrategy,
  ): JsonObject {
    if (given === undefined) return current;
    const combined = applyValues(current, this.checkGiven(given), strategy);
    const size = this.sizeOf(combined);
    if (size > this.config.INSTANCE_VALUES_MAX_BYTES) {
      throw new UnprocessableError(
        'values_too_large',
        `the merged values would be ${size} bytes as JSON; at most ${this.config.INSTANCE_VALUES_MAX_BYTES} are accepted`,
        [
          {
            field: 'values',
            reason: `merged with the current values, larger than ${this.config.INSTANCE_VALUES_MAX_BYTES} bytes`,
          },
        ],
      );
    }
    return combined;
  }

  private sizeOf(values: JsonObject): number {
    return Buffer.byteLength(JSON.stringify(values));
  }
}
