import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ClusterController } from './cluster.controller';
import { ClusterService } from './cluster.service';
import { ClusterProfile } from './entities/cluster-profile.entity';

/** Target-cluster profiles (platform data): what instances render for. */
@Module({
  imports: [TypeOrmModule.forFeature([ClusterProfile])],
  controllers: [ClusterController],
  providers: [ClusterService],
  exports: [ClusterService],
})
export class ClusterModule {}
