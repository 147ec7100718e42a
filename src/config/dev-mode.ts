import { ValidateBy, ValidationArguments } from 'class-validator';

/**
 * AUTH_MODE=dev signs its own tokens with a throwaway key and hands out an all-powerful token, so a
 * production process must refuse it before anything else starts.
 */
export function NotDevModeInProduction(): PropertyDecorator {
  return ValidateBy({
    name: 'notDevModeInProduction',
    validator: {
      validate: (value: unknown, args?: ValidationArguments) =>
        !(value === 'dev' && (args?.object as { NODE_ENV?: string }).NODE_ENV === 'production'),
      defaultMessage: () =>
        'AUTH_MODE=dev is for local development only and is refused when NODE_ENV=production; ' +
        'configure OIDC_ISSUER_URL (AUTH_MODE=oidc) instead',
    },
  });
}
