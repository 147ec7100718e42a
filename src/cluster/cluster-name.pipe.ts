import { Injectable, PipeTransform } from '@nestjs/common';
import { BadRequestError } from '../common/errors/domain-error';
import { CLUSTER_NAME, MAX_CLUSTER_NAME } from './cluster-names';

/** A `:name` path parameter that is a cluster name, or 400 naming it. */
@Injectable()
export class ClusterNamePipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (value.length <= MAX_CLUSTER_NAME && CLUSTER_NAME.test(value)) return value;
    throw new BadRequestError(
      'invalid_cluster_name',
      'the path parameter name is not a cluster name',
      [
        {
          field: 'name',
          reason: 'must be letters, digits, "-", "_" or ".", alphanumeric at both ends',
        },
      ],
    );
  }
}
