import { ApiParam } from '@nestjs/swagger';

/** The path parameter naming an instance on every instance route. */
export const INSTANCE_ID = 'instance_id';

/** Documents `:instance_id` as the UUID it is (validated by `uuidPipe(INSTANCE_ID)`). */
export const InstanceIdParam = (): MethodDecorator =>
  ApiParam({
    name: INSTANCE_ID,
    schema: { type: 'string', format: 'uuid', minLength: 36, maxLength: 36 },
    description: 'The instance_id (UUID) the instance was created with.',
  });
