/* Credentials other AWS services hand to their workloads, watched with
 * the lock-IP method as instances are: ECS task roles (AssumeRole by
 * ecs-tasks.amazonaws.com, session name = the task id), EKS Pod Identity
 * (AssumeRoleForPodIdentity from a node, eks-auth.amazonaws.com, or
 * AssumeRole by pods.eks.amazonaws.com) and Lambda execution roles
 * (AssumeRole by lambda.amazonaws.com, session name = the function).
 * A pod is also held to its node's addresses. Lambda's addresses vary
 * from call to call, so a Lambda session is judged by where it is used
 * from (inside AWS) and by its runtime's user agent (exec-env/AWS_Lambda_*,
 * which the SDKs add inside Lambda). */
#ifndef IMDSGATE_DETECT_WORKLOAD_H
#define IMDSGATE_DETECT_WORKLOAD_H
#include "detect/session.h"

enum wkind { WK_TASK, WK_POD, WK_LAMBDA };

struct workload {
	enum wkind kind;
	struct session lock;                 /* its addresses */
	const char *cluster, *ns, *sa, *pod; /* interned, pods */
	const char *runtime; /* interned exec-env marker, Lambda */
	char node[24];       /* a pod's node instance, or "" */
};

void detect_workload_free(void *);
#endif
