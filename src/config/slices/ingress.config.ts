import { IsOptional, Matches } from 'class-validator';
import { DEFAULT_HOST_TEMPLATE, HOST_PLACEHOLDERS, HOST_TEMPLATE_PATTERN } from '../host-template';

/** The NEMO ingress: the hosts and Ingress objects made for exposed Services. */
export class IngressConfig {
  @Matches(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, {
    message: 'must be a lowercase DNS name such as apps.example.eu',
  })
  INGRESS_DOMAIN = 'nemo.local';

  @Matches(HOST_TEMPLATE_PATTERN, {
    message: `must be lowercase host characters and placeholders {${HOST_PLACEHOLDERS.join('}, {')}}`,
  })
  INGRESS_HOST_TEMPLATE = DEFAULT_HOST_TEMPLATE;

  @Matches(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, { message: 'must be an IngressClass name' })
  INGRESS_CLASS_NAME = 'nginx';

  @IsOptional()
  @Matches(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, { message: 'must be a Secret name' })
  INGRESS_TLS_SECRET?: string;
}
