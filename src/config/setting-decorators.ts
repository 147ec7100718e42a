import { ValidateBy } from 'class-validator';
import { egressAllowListProblem } from '../common/egress/egress-policy';

/** Environment variables are strings: `1`, `true`, `yes` and `on` (any case) mean true. */
export const toBoolean = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? ['1', 'true', 'yes', 'on'].includes(value.toLowerCase()) : value;

/** A decimal integer string becomes a number; anything else is left for @IsInt to refuse. */
export const toInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;

/** Service URLs: a scheme is required, a TLD is not (loopback and cluster-internal names). */
export const URL_OPTIONS = { require_tld: false, require_protocol: true };

/** An egress allow list (IMAGE_SOURCE_ALLOW_PRIVATE, SUBSCRIPTION_ALLOW_PRIVATE), named entry by entry. */
export const IsEgressAllowList = (): PropertyDecorator =>
  ValidateBy({
    name: 'isEgressAllowList',
    validator: {
      validate: (value) => typeof value === 'string' && !egressAllowListProblem(value),
      defaultMessage: (args) =>
        `must be a comma-separated list of CIDRs, addresses or host names, each with an optional :port (${egressAllowListProblem(String(args?.value))})`,
    },
  });
