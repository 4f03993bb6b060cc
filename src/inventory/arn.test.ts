import { describe, expect, it } from 'vitest';
import { formatIamArn, parseIamArn } from './arn.js';

describe('parseIamArn', () => {
  it('splits users, roles, groups and policies, with and without a path', () => {
    expect(parseIamArn('arn:aws:iam::123456789012:user/alice')).toEqual({
      partition: 'aws',
      account: '123456789012',
      resourceType: 'user',
      path: '/',
      name: 'alice',
    });
    expect(
      parseIamArn(
        'arn:aws:iam::123456789012:role/aws-service-role/elasticloadbalancing.amazonaws.com/AWSServiceRoleForElasticLoadBalancing',
      ),
    ).toEqual({
      partition: 'aws',
      account: '123456789012',
      resourceType: 'role',
      path: '/aws-service-role/elasticloadbalancing.amazonaws.com/',
      name: 'AWSServiceRoleForElasticLoadBalancing',
    });
    expect(parseIamArn('arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole')).toEqual(
      {
        partition: 'aws',
        account: 'aws',
        resourceType: 'policy',
        path: '/service-role/',
        name: 'AWSLambdaBasicExecutionRole',
      },
    );
    expect(parseIamArn('arn:aws-cn:iam::123456789012:group/dev/Developers')?.partition).toBe(
      'aws-cn',
    );
  });

  it('reads the root user', () => {
    expect(parseIamArn('arn:aws:iam::123456789012:root')).toEqual({
      partition: 'aws',
      account: '123456789012',
      resourceType: 'root',
      path: '/',
      name: '',
    });
  });

  it('rejects what is not an IAM ARN', () => {
    for (const arn of [
      '',
      'alice',
      'arn:aws:s3:::bucket',
      'arn:aws:iam::12345:user/alice',
      'arn:aws:iam:us-east-1:123456789012:user/alice',
      'arn:aws:iam::123456789012:user',
      'arn:aws:iam::123456789012:user/',
      'arn:aws:iam::123456789012:user/path/',
      'arn:aws:sts::123456789012:assumed-role/r/s',
    ]) {
      expect(parseIamArn(arn), arn).toBeUndefined();
    }
  });

  it('round-trips with formatIamArn', () => {
    for (const arn of [
      'arn:aws:iam::123456789012:user/alice',
      'arn:aws:iam::123456789012:role/service-role/x',
      'arn:aws:iam::aws:policy/job-function/ViewOnlyAccess',
    ]) {
      expect(formatIamArn(parseIamArn(arn)!)).toBe(arn);
    }
  });
});
