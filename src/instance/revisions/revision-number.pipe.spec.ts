import 'reflect-metadata';
import { Controller, Get, Param } from '@nestjs/common';
import { RevisionNumber, RevisionNumberPipe } from './revision-number.pipe';

@Controller()
class Probe {
  @Get(':revision')
  read(@Param('revision', RevisionNumberPipe) revision: RevisionNumber): RevisionNumber {
    return revision;
  }
}

describe('RevisionNumberPipe', () => {
  const pipe = new RevisionNumberPipe();

  it.each(['1', '7', '2147483647'])('reads %p', (text) => {
    expect(pipe.transform(text)).toBe(Number(text));
  });

  it.each(['0', '-1', '+1', ' 1', '1.0', '1e3', '0x10', '01', '2147483648', ''])(
    'refuses %p with 400',
    (text) => {
      expect(() => pipe.transform(text)).toThrow(expect.objectContaining({ status: 400 }));
    },
  );

  it('handlers declare RevisionNumber, which the global ValidationPipe leaves as text', () => {
    const [type] = Reflect.getMetadata('design:paramtypes', Probe.prototype, 'read') as unknown[];
    expect(type).not.toBe(Number);
  });
});
