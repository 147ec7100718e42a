import { Module } from '@nestjs/common';
import { IngressService } from './ingress.service';

/** Service annotations → Ingress objects. Pure: no I/O, no state. */
@Module({
  providers: [IngressService],
  exports: [IngressService],
})
export class IngressModule {}
