// The floor of a networked FL round on this machine: a "server" process sends M bytes to each
// of K connections and reads M bytes back from each, a "clients" process (one thread) does the
// opposite, over loopback TCP, for R rounds — only the bytes move (no HTTP/2, no protobuf, no
// decoding, no aggregation). Prints the CPU seconds (user + system) each process spent a round
// and the wall time a round took (connections served one after another).
// Build: cc -O2 -o loopback_floor loopback_floor.c; run: loopback_floor K M R
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <sys/wait.h>
#include <sys/resource.h>
#include <time.h>
#include <poll.h>
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
static double cpu(int who){struct rusage r;getrusage(who,&r);return r.ru_utime.tv_sec+r.ru_utime.tv_usec*1e-6+r.ru_stime.tv_sec+r.ru_stime.tv_usec*1e-6;}
static void full_write(int fd,const char*b,size_t n){while(n){ssize_t w=write(fd,b,n);if(w<=0){perror("w");exit(1);}b+=w;n-=w;}}
static void full_read(int fd,char*b,size_t n){while(n){ssize_t r=read(fd,b,n);if(r<=0){perror("r");exit(1);}b+=r;n-=r;}}
int main(int argc,char**argv){
  if(argc!=4){fprintf(stderr,"usage: %s K BYTES ROUNDS\n",argv[0]);return 2;}
  int K=atoi(argv[1]); size_t M=atol(argv[2]); int rounds=atoi(argv[3]);
  int ls=socket(AF_INET,SOCK_STREAM,0); int one=1; setsockopt(ls,SOL_SOCKET,SO_REUSEADDR,&one,4);
  struct sockaddr_in a={0}; a.sin_family=AF_INET; a.sin_addr.s_addr=htonl(0x7f000001); a.sin_port=0;
  bind(ls,(void*)&a,sizeof a); listen(ls,4096); socklen_t al=sizeof a; getsockname(ls,(void*)&a,&al);
  pid_t p=fork();
  if(p==0){ // load generator: K connections; each round, reads M from each, writes M back (one thread, poll)
    int *fd=malloc(K*sizeof(int));
    for(int i=0;i<K;i++){fd[i]=socket(AF_INET,SOCK_STREAM,0);if(connect(fd[i],(void*)&a,sizeof a)){perror("c");exit(1);}}
    char *in=malloc(M), *out=malloc(M); memset(out,1,M);
    for(int r=0;r<rounds;r++) for(int i=0;i<K;i++){ full_read(fd[i],in,M); full_write(fd[i],out,M);} 
    exit(0);
  }
  int *fd=malloc(K*sizeof(int)); for(int i=0;i<K;i++) fd[i]=accept(ls,0,0);
  char *model=malloc(M); memset(model,2,M); char *in=malloc(M);
  double c0=cpu(RUSAGE_SELF), t0=now();
  for(int r=0;r<rounds;r++){
    // server: send to each then receive from each (client handles them in order, so interleave)
    for(int i=0;i<K;i++){ full_write(fd[i],model,M); full_read(fd[i],in,M);} 
  }
  double t1=now(), c1=cpu(RUSAGE_SELF);
  int st; waitpid(p,&st,0);
  double cc=cpu(RUSAGE_CHILDREN);
  printf("%d %zu %d %.4f %.4f %.4f\n",K,M,rounds,(t1-t0)/rounds,(c1-c0)/rounds,cc/rounds);
}
